import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GTA
import GTAMariaDB
import Synchronization

/// One scenario's outcome: a main figure (median, min, max over the runs) and its details.
struct ScenarioResult: Sendable {
    var id: String
    var name: String
    var unit: String
    var figure: Summary
    /// Extra JSON fields.
    var details: [(String, JSONOut)] = []
    /// Extra rows for the human table: (label, text).
    var lines: [(String, String)] = []
    /// Whether this figure is compared with the C floor (B0').
    var comparesWithFloor = true
}

struct Bench: Sendable {
    let options: BenchOptions

    func runAll() async throws {
        guard let url = options.url else {
            throw UsageError(description: "no database URL: pass --url or set GTA_BENCH_DATABASE_URL")
        }
        if ProcessInfo.processInfo.environment["GTA_BENCH_DEBUG_RSS"] != nil { progress("RSS at start \(MemorySampler.status("VmRSS") ?? 0) kB") }
        let configuration = try MariaDBConfiguration(url: url)
        let probe = MariaDBDatabase(configuration: configuration)
        let server = try await ServerInfo.read(probe)
        await probe.shutdown()
        if ProcessInfo.processInfo.environment["GTA_BENCH_DEBUG_RSS"] != nil { progress("RSS after probe \(MemorySampler.status("VmRSS") ?? 0) kB") }
        let started = Date()
        if !options.json {
            print("gta-bench \(ISO8601DateFormatter().string(from: started))")
            print("server: \(server.summary)")
            print("tasks \(options.tasks), producers \(options.producers), runs \(options.runs), B3 calls \(options.latencyCalls), B4 batch \(options.batchSize), B2x4 processes \(options.processes)")
            print("")
        }
        var results: [ScenarioResult] = []
        var memory: [String: [Double]] = [:]
        var floor: Double?
        for id in options.scenarios {
            progress("\(id): running \(options.runs) run(s)")
            var result: ScenarioResult
            switch id {
            case "B0": result = try await b0(configuration)
            case "B0'": result = try await b0Slap(configuration)
            case "B1":
                let (r, rss) = try await b1(configuration)
                result = r
                memory["B1"] = rss
            case "B2":
                let (r, rss) = try await b2(configuration)
                result = r
                memory["B2"] = rss
            case "B2x4": result = try await b2Processes(url: url, configuration)
            case "B3": result = try await b3(configuration)
            case "B4": result = try await b4(configuration)
            default: continue
            }
            if id == "B0'" { floor = result.figure.median }
            results.append(result)
        }
        if !memory.isEmpty {
            var m = ScenarioResult(id: "M", name: "peak RSS", unit: "MB", figure: Summary(values: memory.values.flatMap { $0 }), comparesWithFloor: false)
            for key in memory.keys.sorted() {
                let s = Summary(values: memory[key]!)
                m.details.append(("\(key.lowercased())_peak_rss_mb", .object([("median", .number(s.median)), ("min", .number(s.min)), ("max", .number(s.max))])))
                m.lines.append(("during \(key)", String(format: "%.1f MB (min %.1f, max %.1f)", s.median, s.min, s.max)))
            }
            results.append(m)
        }
        if options.json {
            for r in results { print(jsonLine(r, floor: floor, server: server, date: started)) }
        } else {
            printTable(results, floor: floor)
        }
    }

    private func progress(_ message: String) {
        FileHandle.standardError.write(Data("[gta-bench] \(message)\n".utf8))
    }

    // MARK: B0: the SQL floor through our connector

    func b0(_ configuration: MariaDBConfiguration) async throws -> ScenarioResult {
        let n = options.tasks
        let connections = options.producers
        var rates: [Double] = []
        for _ in 0..<options.runs {
            let db = MariaDBDatabase(configuration: configuration)
            try await BenchTable.recreate(options.table, on: db)
            let t = try TableName(options.table).quoted(for: db.dialect)
            var opened: [MariaDBConnection] = []
            for _ in 0..<connections { opened.append(try await MariaDBConnection.connect(configuration: configuration)) }
            let insert = "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            let update = "UPDATE \(t) SET task_status = ?, updated_at = ? WHERE id = ? AND task_status = ?"
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, connection) in opened.enumerated() {
                    let share = n / connections + (i < n % connections ? 1 : 0)
                    group.addTask {
                        // Each loop runs on its connection's thread: a direct blocking call per
                        // statement, as a C client makes them.
                        try await withTaskExecutorPreference(connection.executor) {
                        for k in 0..<share {
                            let now = Date()
                            let id = try await connection.execute(insert, [
                                "bench", "running", .null, .string(String(k)), "{}", .date(now), .date(now),
                            ]).lastInsertID
                            let changed = try await connection.execute(update, ["succeeded", .date(Date()), .uint(id), "running"]).rowsAffected
                            guard changed == 1 else { throw UsageError(description: "B0: update of row \(id) changed \(changed) rows") }
                        }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            rates.append(Double(n) / elapsed.seconds)
            for connection in opened { await connection.close() }
            let succeeded = try await BenchTable.count(options.table, status: "succeeded", on: db)
            guard succeeded == n else { throw UsageError(description: "B0: \(succeeded) of \(n) rows succeeded") }
            await db.shutdown()
        }
        return ScenarioResult(id: "B0", name: "SQL floor, our connector", unit: "pairs/s", figure: Summary(values: rates),
                              details: [("connections", .int(connections)), ("pairs", .int(n))])
    }

    // MARK: B0': the same loop run by mysqlslap

    func b0Slap(_ configuration: MariaDBConfiguration) async throws -> ScenarioResult {
        var rates: [Double] = []
        for _ in 0..<options.runs {
            let seconds = try Slap.run(configuration: configuration, pairs: options.tasks, concurrency: options.producers, binary: options.mysqlslap)
            rates.append(Double(options.tasks) / seconds)
        }
        return ScenarioResult(id: "B0'", name: "C floor, mysqlslap", unit: "pairs/s", figure: Summary(values: rates),
                              details: [("concurrency", .int(options.producers)), ("pairs", .int(options.tasks))])
    }

    // MARK: Managers

    /// A fresh table and a started manager on it, with its connections warmed up (B1, B4).
    private func startedManager(
        _ configuration: MariaDBConfiguration, expecting n: Int
    ) async throws -> (MariaDBDatabase, Recorder, TaskManager) {
        let db = MariaDBDatabase(configuration: configuration)
        try await BenchTable.recreate(options.table, on: db)
        let recorder = Recorder(expected: n)
        let manager = try makeManager(db, recorder: recorder)
        manager.start()
        try await warmUp(db)
        return (db, recorder, manager)
    }

    private func makeManager(_ db: MariaDBDatabase, recorder: Recorder, onStart: (@Sendable (Int) -> Void)? = nil) throws -> TaskManager {
        let manager = try TaskManager(db: db, table: options.table)
        try manager.register(BenchTable.key, TaskDefinition(argumentType: Int.self) { _, n in
            onStart?(n)
            recorder.record(n)
        })
        return manager
    }

    // MARK: B1: commit hook

    func b1(_ configuration: MariaDBConfiguration) async throws -> (ScenarioResult, [Double]) {
        let n = options.tasks
        let producers = options.producers
        var rates: [Double] = []
        var callRates: [Double] = []
        var rss: [Double] = []
        for _ in 0..<options.runs {
            let (db, recorder, manager) = try await startedManager(configuration, expecting: n)
            let sampler = MemorySampler()
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for p in 0..<producers {
                    group.addTask {
                        var k = p
                        while k < n {
                            try await manager.run(BenchTable.key, k)
                            k += producers
                        }
                    }
                }
                try await group.waitForAll()
            }
            let produced = ContinuousClock.now - start
            try await recorder.waitForAll()
            try await BenchTable.waitSucceeded(n, table: options.table, on: db)
            let elapsed = ContinuousClock.now - start
            rss.append(Double(sampler.stop()) / 1024)
            if ProcessInfo.processInfo.environment["GTA_BENCH_DEBUG_RSS"] != nil { progress("B1 RSS start \(sampler.startKB) kB, peak \(rss.last!) MB") }
            rates.append(Double(n) / elapsed.seconds)
            callRates.append(Double(n) / produced.seconds)
            await manager.stop(wait: true)
            let (duplicates, missing) = recorder.check()
            guard duplicates == 0, missing == 0 else { throw UsageError(description: "B1: \(duplicates) duplicate and \(missing) missing runs") }
            await db.shutdown()
        }
        let calls = Summary(values: callRates)
        var result = ScenarioResult(id: "B1", name: "commit hook", unit: "tasks/s", figure: Summary(values: rates))
        result.details = [
            ("producers", .int(producers)), ("tasks", .int(n)),
            ("producer_calls_per_s", .object([("median", .number(calls.median)), ("min", .number(calls.min)), ("max", .number(calls.max))])),
        ]
        result.lines = [("producers' call rate", String(format: "%.0f calls/s (min %.0f, max %.0f)", calls.median, calls.min, calls.max))]
        return (result, rss)
    }

    // MARK: B2: scan drain, one manager

    func b2(_ configuration: MariaDBConfiguration) async throws -> (ScenarioResult, [Double]) {
        let n = options.tasks
        var rates: [Double] = []
        var rss: [Double] = []
        for _ in 0..<options.runs {
            weak var weakManager: TaskManager?
            weak var weakDB: MariaDBDatabase?
            do {
            let db = MariaDBDatabase(configuration: configuration)
            weakDB = db
            try await BenchTable.recreate(options.table, on: db)
            try await BenchTable.insertInitialized(n, table: options.table, on: db)
            let recorder = Recorder(expected: n)
            let manager = try makeManager(db, recorder: recorder)
            weakManager = manager
            try await warmUp(db)
            let sampler = MemorySampler()
            let start = ContinuousClock.now
            manager.start()
            try await recorder.waitForAll()
            try await BenchTable.waitSucceeded(n, table: options.table, on: db)
            let elapsed = ContinuousClock.now - start
            rss.append(Double(sampler.stop()) / 1024)
            if ProcessInfo.processInfo.environment["GTA_BENCH_DEBUG_RSS"] != nil { progress("B2 RSS start \(sampler.startKB) kB, peak \(rss.last!) MB, threads \((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0)") }
            rates.append(Double(n) / elapsed.seconds)
            await manager.stop(wait: true)
            let (duplicates, missing) = recorder.check()
            guard duplicates == 0, missing == 0 else { throw UsageError(description: "B2: \(duplicates) duplicate and \(missing) missing runs") }
            await db.shutdown()
            }
            if ProcessInfo.processInfo.environment["GTA_BENCH_DEBUG_RSS"] != nil {
                try await Task.sleep(for: .milliseconds(200))
                progress("B2 after run: manager freed \(weakManager == nil), database freed \(weakDB == nil), RSS \(MemorySampler.status("VmRSS") ?? 0) kB, after malloc_trim \(trimmedRSS()) kB")
            }
        }
        return (ScenarioResult(id: "B2", name: "scan drain, 1 manager", unit: "tasks/s", figure: Summary(values: rates),
                               details: [("tasks", .int(n)), ("managers", .int(1))]), rss)
    }

    // MARK: B2x4: scan drain, four processes

    func b2Processes(url: String, _ configuration: MariaDBConfiguration) async throws -> ScenarioResult {
        let n = options.tasks
        var rates: [Double] = []
        var duplicates: [Int] = []
        var missing: [Int] = []
        var workerRSS: [Double] = []
        for run in 0..<options.runs {
            let db = MariaDBDatabase(configuration: configuration)
            try await BenchTable.recreate(options.table, on: db)
            try await BenchTable.insertInitialized(n, table: options.table, on: db)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gta-bench-\(getpid())-\(run)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var workers: [WorkerProcess] = []
            for w in 0..<options.processes {
                workers.append(try WorkerProcess.launch(url: url, table: options.table, out: directory.appendingPathComponent("worker-\(w).txt").path))
            }
            for worker in workers { try await worker.expect("ready") }
            let start = ContinuousClock.now
            for worker in workers { worker.send("go") }
            try await BenchTable.waitSucceeded(n, table: options.table, on: db, every: .milliseconds(10))
            let elapsed = ContinuousClock.now - start
            rates.append(Double(n) / elapsed.seconds)
            for worker in workers { worker.send("stop") }
            var counts = [Int](repeating: 0, count: n)
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
            duplicates.append(counts.reduce(0) { $0 + max(0, $1 - 1) })
            missing.append(counts.filter { $0 == 0 }.count)
            let succeeded = try await BenchTable.count(options.table, status: "succeeded", on: db)
            let all = try await BenchTable.count(options.table, status: nil, on: db)
            guard succeeded == n, all == n else { throw UsageError(description: "B2x4: table holds \(all) rows, \(succeeded) succeeded, of \(n)") }
            await db.shutdown()
        }
        let rss = Summary(values: workerRSS)
        var result = ScenarioResult(id: "B2x4", name: "scan drain, \(options.processes) processes", unit: "tasks/s", figure: Summary(values: rates))
        result.details = [
            ("processes", .int(options.processes)), ("tasks", .int(n)),
            ("duplicates", .array(duplicates.map { .int($0) })), ("never_run", .array(missing.map { .int($0) })),
            ("worker_peak_rss_mb_max", .number(rss.max)),
        ]
        result.lines = [
            ("ran more than once / never", "\(duplicates.reduce(0, +)) / \(missing.reduce(0, +)) (all runs; table: all succeeded)"),
            ("worker peak RSS", String(format: "%.1f MB (max)", rss.max)),
        ]
        return result
    }

    // MARK: B3: latency

    func b3(_ configuration: MariaDBConfiguration) async throws -> ScenarioResult {
        let n = options.latencyCalls
        var callP50: [Double] = [], callP99: [Double] = [], callMax: [Double] = []
        var hopP50: [Double] = [], hopP99: [Double] = [], hopMax: [Double] = []
        for _ in 0..<options.runs {
            let db = MariaDBDatabase(configuration: configuration)
            try await BenchTable.recreate(options.table, on: db)
            let recorder = Recorder(expected: n)
            let handlerStarts = Mutex([ContinuousClock.Instant?](repeating: nil, count: n))
            let manager = try makeManager(db, recorder: recorder) { k in
                let now = ContinuousClock.now
                handlerStarts.withLock { if k >= 0 && k < $0.count { $0[k] = now } }
            }
            manager.start()
            try await warmUp(db)
            var callStarts: [ContinuousClock.Instant] = []
            var calls: [Duration] = []
            callStarts.reserveCapacity(n)
            calls.reserveCapacity(n)
            for k in 0..<n {
                let s = ContinuousClock.now
                try await manager.run(BenchTable.key, k)
                calls.append(ContinuousClock.now - s)
                callStarts.append(s)
            }
            try await recorder.waitForAll()
            try await BenchTable.waitSucceeded(n, table: options.table, on: db)
            await manager.stop(wait: true)
            await db.shutdown()
            let starts = handlerStarts.withLock { $0 }
            let hops = (0..<n).compactMap { k in starts[k].map { $0 - callStarts[k] } }
            callP50.append(percentileMS(calls, 0.5)); callP99.append(percentileMS(calls, 0.99)); callMax.append(percentileMS(calls, 1))
            hopP50.append(percentileMS(hops, 0.5)); hopP99.append(percentileMS(hops, 0.99)); hopMax.append(percentileMS(hops, 1))
        }
        func obj(_ v: [Double]) -> JSONOut {
            let s = Summary(values: v)
            return .object([("median", .number(s.median)), ("min", .number(s.min)), ("max", .number(s.max))])
        }
        func line(_ p50: [Double], _ p99: [Double], _ mx: [Double]) -> String {
            let a = Summary(values: p50), b = Summary(values: p99), c = Summary(values: mx)
            return String(format: "p50 %.3f ms (%.3f-%.3f)  p99 %.3f ms (%.3f-%.3f)  max %.2f ms (%.2f-%.2f)",
                          a.median, a.min, a.max, b.median, b.min, b.max, c.median, c.min, c.max)
        }
        var result = ScenarioResult(id: "B3", name: "latency, start to handler p50", unit: "ms", figure: Summary(values: hopP50), comparesWithFloor: false)
        result.details = [
            ("calls", .int(n)),
            ("call_p50_ms", obj(callP50)), ("call_p99_ms", obj(callP99)), ("call_max_ms", obj(callMax)),
            ("start_to_handler_p50_ms", obj(hopP50)), ("start_to_handler_p99_ms", obj(hopP99)), ("start_to_handler_max_ms", obj(hopMax)),
        ]
        result.lines = [
            ("run call duration", line(callP50, callP99, callMax)),
            ("run start to handler start", line(hopP50, hopP99, hopMax)),
        ]
        return result
    }

    // MARK: B4: batch enqueue

    func b4(_ configuration: MariaDBConfiguration) async throws -> ScenarioResult {
        let n = options.tasks
        let size = options.batchSize
        var rates: [Double] = []
        for _ in 0..<options.runs {
            let (db, recorder, manager) = try await startedManager(configuration, expecting: n)
            let start = ContinuousClock.now
            var first = 0
            while first < n {
                let arguments: [(any Encodable & Sendable)?] = (first..<min(n, first + size)).map { $0 }
                try await manager.transaction { tx in
                    try await manager.runBatchWithTx(tx, BenchTable.key, arguments)
                }
                first += size
            }
            try await recorder.waitForAll()
            try await BenchTable.waitSucceeded(n, table: options.table, on: db)
            let elapsed = ContinuousClock.now - start
            rates.append(Double(n) / elapsed.seconds)
            await manager.stop(wait: true)
            let (duplicates, missing) = recorder.check()
            guard duplicates == 0, missing == 0 else { throw UsageError(description: "B4: \(duplicates) duplicate and \(missing) missing runs") }
            await db.shutdown()
        }
        return ScenarioResult(id: "B4", name: "batch enqueue, \(size) per tx", unit: "tasks/s", figure: Summary(values: rates),
                              details: [("tasks", .int(n)), ("batch_size", .int(size))])
    }

    // MARK: Output

    private func jsonLine(_ r: ScenarioResult, floor: Double?, server: ServerInfo, date: Date) -> String {
        var fields: [(String, JSONOut)] = [
            ("scenario", .string(r.id)), ("name", .string(r.name)), ("unit", .string(r.unit)),
            ("median", .number(r.figure.median)), ("min", .number(r.figure.min)), ("max", .number(r.figure.max)),
            ("runs", .array(r.figure.values.map { .number($0) })),
        ]
        if r.comparesWithFloor, let floor, r.id != "B0'" { fields.append(("vs_mysqlslap", .number(r.figure.median / floor))) }
        fields += r.details
        fields.append(("date", .string(ISO8601DateFormatter().string(from: date))))
        fields.append(("server", server.json.ordered))
        return JSONOut.object(fields).text
    }

    private func printTable(_ results: [ScenarioResult], floor: Double?) {
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        func number(_ d: Double, _ unit: String) -> String { unit == "ms" || unit == "MB" ? String(format: "%.3f", d) : String(format: "%.0f", d) }
        print(pad("id", 6) + pad("scenario", 32) + pad("unit", 9) + lpad("median", 10) + lpad("min", 10) + lpad("max", 10) + lpad("x B0'", 8))
        print(String(repeating: "-", count: 85))
        for r in results {
            var ratio = ""
            if r.comparesWithFloor, let floor, r.id != "B0'" { ratio = String(format: "%.2f", r.figure.median / floor) }
            if r.id == "M" {
                print(pad(r.id, 6) + pad(r.name, 32))
            } else {
                print(pad(r.id, 6) + pad(r.name, 32) + pad(r.unit, 9) + lpad(number(r.figure.median, r.unit), 10)
                      + lpad(number(r.figure.min, r.unit), 10) + lpad(number(r.figure.max, r.unit), 10) + lpad(ratio, 8))
            }
            for (label, text) in r.lines { print(pad("", 6) + pad("  " + label, 32) + text) }
        }
    }
}

/// Debugging aid: RSS after glibc's `malloc_trim(0)` (freed heap handed back), to tell a leak
/// from fragmentation.
func trimmedRSS() -> Int {
    typealias Trim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
    return MemorySampler.status("VmRSS") ?? 0
}
