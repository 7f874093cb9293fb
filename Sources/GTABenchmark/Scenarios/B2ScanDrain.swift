#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTAMariaDB

/// B2: the scan drain, one manager. `--tasks` rows `initialized` up front; one manager with
/// default options is started; timed from `start()` until every row is `succeeded`. Also the
/// peak memory for M.
enum ScanDrain: Scenario {
    static let id = "B2"

    /// Tasks per second and the peak RSS in MB. With `GTA_BENCH_DEBUG_RSS`, also whether the
    /// run's manager and pool were freed once it was over.
    static func measure(_ bench: BenchContext, run _: Int) async throws -> (rate: Double, peakRSS: Double) {
        weak var weakManager: TaskManager?
        weak var weakDB: MariaDBDatabase?
        let measured = try await drain(bench) { run in
            weakManager = run.manager
            weakDB = run.db
        }
        if DebugRSS.enabled {
            try await Task.sleep(for: .milliseconds(200))
            progress("B2 after run: manager freed \(weakManager == nil), database freed \(weakDB == nil), RSS \(MemorySampler.status("VmRSS") ?? 0) kB, after malloc_trim \(trimmedRSS()) kB")
        }
        return measured
    }

    /// The run itself, with `options` added to the defaults and handlers that sleep `delay`;
    /// `watch` sees its pool and manager, released when this returns. B2's variants use it too.
    static func drain(
        _ bench: BenchContext, options: [Option] = [], delay: Duration? = nil, scenario: String = id,
        watch: (ManagerRun) -> Void = { _ in }
    ) async throws -> (rate: Double, peakRSS: Double) {
        let n = bench.options.tasks
        let run = try await bench.managerRun(expecting: n, initializedRows: n, start: false, options: options, delay: delay)
        watch(run)
        let sampler = MemorySampler()
        let start = ContinuousClock.now
        run.manager.start()
        try await run.waitAllSucceeded()
        let elapsed = ContinuousClock.now - start
        let rss = Double(sampler.stop()) / 1024
        bench.memory.before(scenario, kB: sampler.startKB)
        DebugRSS.log("\(scenario) RSS start \(sampler.startKB) kB, peak \(rss) MB, threads \((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0)")
        try await run.finish(scenario)
        return (Double(n) / elapsed.seconds, rss)
    }

    static func result(of runs: [(rate: Double, peakRSS: Double)], _ bench: BenchContext) -> ScenarioResult {
        var result = ScenarioResult(id: id, name: "scan drain, 1 manager", unit: "tasks/s", figure: Summary(values: runs.map { $0.rate }),
                                    details: [("tasks", .int(bench.options.tasks)), ("managers", .int(1))], floor: BatchFloor.id)
        result.peakRSS = runs.map { $0.peakRSS }
        return result
    }
}
