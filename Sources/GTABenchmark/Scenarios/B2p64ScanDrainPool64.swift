import GTA

/// B2p64: B2 with `.withPoolSize(64)`: at most 64 tasks in flight.
enum ScanDrainPool64: Scenario {
    static let id = "B2p64"

    static func measure(_ bench: BenchContext, run _: Int) async throws -> (rate: Double, peakRSS: Double) {
        try await ScanDrain.drain(bench, options: [.withPoolSize(64)], scenario: id)
    }

    static func result(of runs: [(rate: Double, peakRSS: Double)], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "scan drain, pool 64", unit: "tasks/s", figure: Summary(values: runs.map { $0.rate }),
                       details: [("tasks", .int(bench.options.tasks)), ("pool_size", .int(64))], floor: BatchFloor.id)
    }
}
