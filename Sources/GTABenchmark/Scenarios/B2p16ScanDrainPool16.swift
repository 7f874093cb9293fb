import GTA

/// B2p16: B2 with `.withPoolSize(16)`, a realistic pool: at most 16 tasks in flight, so every
/// claim is a small one. Target: at least half of B2's rate.
enum ScanDrainPool16: Scenario {
    static let id = "B2p16"

    static func measure(_ bench: BenchContext, run _: Int) async throws -> (rate: Double, peakRSS: Double) {
        try await ScanDrain.drain(bench, options: [.withPoolSize(16)], scenario: id)
    }

    static func result(of runs: [(rate: Double, peakRSS: Double)], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "scan drain, pool 16", unit: "tasks/s", figure: Summary(values: runs.map { $0.rate }),
                       details: [("tasks", .int(bench.options.tasks)), ("pool_size", .int(16))], floor: BatchFloor.id)
    }
}
