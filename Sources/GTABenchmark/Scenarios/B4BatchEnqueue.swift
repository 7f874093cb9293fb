/// B4: batch enqueue. `--tasks` tasks created in transactions (`manager.transaction`) of
/// `--batch-size` through `runBatchWithTx`; tasks per second until every row is `succeeded`.
enum BatchEnqueue: Scenario {
    static let id = "B4"

    /// Tasks per second, first transaction until every row is `succeeded`.
    static func measure(_ bench: BenchContext, run _: Int) async throws -> Double {
        let (n, size) = (bench.options.tasks, bench.options.batchSize)
        let run = try await bench.managerRun(expecting: n, start: true)
        let start = ContinuousClock.now
        for first in stride(from: 0, to: n, by: size) {
            let arguments: [(any Encodable & Sendable)?] = (first..<min(n, first + size)).map { $0 }
            try await run.manager.transaction { tx in
                try await run.manager.runBatchWithTx(tx, BenchTable.key, arguments)
            }
        }
        try await run.waitAllSucceeded()
        let elapsed = ContinuousClock.now - start
        try await run.finish(id)
        return Double(n) / elapsed.seconds
    }

    static func result(of rates: [Double], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "batch enqueue, \(bench.options.batchSize) per tx", unit: "tasks/s", figure: Summary(values: rates),
                       details: [("tasks", .int(bench.options.tasks)), ("batch_size", .int(bench.options.batchSize))], floor: InsertFloor.id)
    }
}
