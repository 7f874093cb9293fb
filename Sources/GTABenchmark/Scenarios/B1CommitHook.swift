/// B1: the commit hook. One manager with default options; `--producers` concurrent producers
/// call `run` `--tasks` times in all. Timed from the first call until every row is `succeeded`;
/// also the producers' own call rate, and the peak memory for M.
enum CommitHook: Scenario {
    static let id = "B1"

    /// Tasks per second, the producers' calls per second, and the peak RSS in MB.
    static func measure(_ bench: BenchContext, run _: Int) async throws -> (rate: Double, callRate: Double, peakRSS: Double) {
        let n = bench.options.tasks
        let producers = bench.options.producers
        let run = try await bench.managerRun(expecting: n, start: true)
        let sampler = MemorySampler()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for p in 0..<producers {
                group.addTask {
                    var k = p
                    while k < n {
                        try await run.manager.run(BenchTable.key, k)
                        k += producers
                    }
                }
            }
            try await group.waitForAll()
        }
        let produced = ContinuousClock.now - start
        try await run.waitAllSucceeded()
        let elapsed = ContinuousClock.now - start
        let rss = Double(sampler.stop()) / 1024
        bench.memory.before(id, kB: sampler.startKB)
        DebugRSS.log("B1 RSS start \(sampler.startKB) kB, peak \(rss) MB")
        try await run.finish(id)
        return (Double(n) / elapsed.seconds, Double(n) / produced.seconds, rss)
    }

    static func result(of runs: [(rate: Double, callRate: Double, peakRSS: Double)], _ bench: BenchContext) -> ScenarioResult {
        let calls = Summary(values: runs.map { $0.callRate })
        var result = ScenarioResult(id: id, name: "commit hook", unit: "tasks/s", figure: Summary(values: runs.map { $0.rate }), floor: InsertFloor.id)
        result.details = [("producers", .int(bench.options.producers)), ("tasks", .int(bench.options.tasks)), ("producer_calls_per_s", calls.json)]
        result.lines = [("producers' call rate", calls.line("%.0f", "calls/s"))]
        result.peakRSS = runs.map { $0.peakRSS }
        return result
    }
}
