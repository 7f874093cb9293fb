import GTA

/// B2h1: B2 with handlers that sleep 1 ms (default pool): the drain when a task takes time, so
/// the pool, not the claim, is what fills.
enum ScanDrainSlowHandler: Scenario {
    static let id = "B2h1"

    static func measure(_ bench: BenchContext, run _: Int) async throws -> (rate: Double, peakRSS: Double) {
        try await ScanDrain.drain(bench, delay: .milliseconds(1), scenario: id)
    }

    static func result(of runs: [(rate: Double, peakRSS: Double)], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "scan drain, 1 ms handler", unit: "tasks/s", figure: Summary(values: runs.map { $0.rate }),
                       details: [("tasks", .int(bench.options.tasks)), ("handler_ms", .int(1))], floor: BatchFloor.id)
    }
}
