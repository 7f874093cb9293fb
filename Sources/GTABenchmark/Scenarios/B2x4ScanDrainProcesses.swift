#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// B2x4: the scan drain in `--processes` processes (`gta-bench __worker`), each with its own
/// pool and manager, started together once all are ready; timed from the "go" until every row
/// is `succeeded`. Each worker writes the arguments of the tasks it ran to a file; the parent
/// merges them and counts tasks run more than once and never, and the table must hold
/// `--tasks` rows, all `succeeded`.
enum ScanDrainProcesses: Scenario {
    static let id = "B2x4"

    struct Measured {
        var rate: Double
        /// Extra runs of tasks that ran more than once, and tasks that never ran.
        var duplicates, missing: Int
        var workerPeakRSS: [Double]
    }

    static func measure(_ bench: BenchContext, run: Int) async throws -> Measured {
        let n = bench.options.tasks
        let db = try await bench.freshDatabase(initializedRows: n)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gta-bench-\(getpid())-\(run)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var workers: [WorkerProcess] = []
        for w in 0..<bench.options.processes {
            let url = bench.options.rotateHosts ? try rotatingHosts(of: bench.url, by: w) : bench.url
            workers.append(try WorkerProcess.launch(url: url, table: bench.table, out: directory.appendingPathComponent("worker-\(w).txt").path))
        }
        for worker in workers { try await worker.expect("ready") }
        let start = ContinuousClock.now
        for worker in workers { worker.send("go") }
        try await BenchTable.waitSucceeded(n, table: bench.table, on: db, every: .milliseconds(10))
        let elapsed = ContinuousClock.now - start
        for worker in workers { worker.send("stop") }
        var counts = [Int](repeating: 0, count: n)
        var workerRSS: [Double] = []
        for worker in workers {
            let line = try await worker.expect("done")
            if let kb = Int(line.split(separator: " ").last ?? "") { workerRSS.append(Double(kb) / 1024) }
            try await worker.waitForExit()
            let text = try String(contentsOfFile: worker.out, encoding: .utf8)
            for item in text.split(separator: "\n") {
                guard let k = Int(item), k >= 0, k < n else { continue }
                counts[k] += 1
            }
        }
        let succeeded = try await BenchTable.count(bench.table, status: "succeeded", on: db)
        let all = try await BenchTable.count(bench.table, status: nil, on: db)
        guard succeeded == n, all == n else { throw BenchError("B2x4: table holds \(all) rows, \(succeeded) succeeded, of \(n)") }
        await db.shutdown()
        return Measured(rate: Double(n) / elapsed.seconds, duplicates: counts.reduce(0) { $0 + max(0, $1 - 1) },
                        missing: counts.filter { $0 == 0 }.count, workerPeakRSS: workerRSS)
    }

    /// `url` with its host list (`h1:p1,h2:p2,...`) rotated left by `shift` places.
    static func rotatingHosts(of url: String, by shift: Int) throws -> String {
        guard let scheme = url.firstRange(of: "://") else { throw BenchError("--rotate-hosts: the URL has no '://'") }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let hostsStart = rest[..<authorityEnd].lastIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        let hosts = rest[hostsStart..<authorityEnd].split(separator: ",")
        guard !hosts.isEmpty else { return url }
        let k = shift % hosts.count
        let rotated = (hosts[k...] + hosts[..<k]).joined(separator: ",")
        return String(url[..<hostsStart]) + rotated + String(rest[authorityEnd...])
    }

    static func result(of runs: [Measured], _ bench: BenchContext) -> ScenarioResult {
        let duplicates = runs.map(\.duplicates)
        let missing = runs.map(\.missing)
        let rss = Summary(values: runs.flatMap(\.workerPeakRSS))
        let processes = bench.options.processes
        var result = ScenarioResult(id: id, name: "scan drain, \(processes) processes", unit: "tasks/s", figure: Summary(values: runs.map(\.rate)), floor: BatchFloor.id)
        result.details = [
            ("processes", .int(processes)), ("tasks", .int(bench.options.tasks)),
            ("rotate_hosts", .bool(bench.options.rotateHosts)),
            ("duplicates", .array(duplicates.map { .int($0) })), ("never_run", .array(missing.map { .int($0) })),
            ("worker_peak_rss_mb_max", .number(rss.max)),
        ]
        result.lines = [
            ("ran more than once / never", "\(duplicates.reduce(0, +)) / \(missing.reduce(0, +)) (all runs; table: all succeeded)"),
            ("worker peak RSS", cFormat("%.1f MB (max)", rss.max)),
        ]
        return result
    }
}
