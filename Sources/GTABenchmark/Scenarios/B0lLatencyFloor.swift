#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTAMariaDB

/// B0l: the latency floor of B3. One connection of our connector, on its own thread (a direct
/// blocking call per statement, as a C client makes it), `--latency-calls` autocommitted INSERTs
/// of a task row in sequence: the time one commit takes here, which no `run` can beat (B3's
/// `run` is that insert and nothing slower). p50, p99 and max of each insert, in ms.
enum LatencyFloor: Scenario {
    static let id = "B0l"

    static func measure(_ bench: BenchContext, run _: Int) async throws -> Latency.Percentiles {
        let n = bench.options.latencyCalls
        let db = try await bench.freshDatabase()
        let t = try TableName(bench.table).quoted(for: db.dialect)
        let connection = try await MariaDBConnection.connect(configuration: bench.configuration)
        let insert = "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        var durations: [Duration] = []
        durations.reserveCapacity(n)
        try await withTaskExecutorPreference(connection.executor) {
            for k in 0..<n {
                let start = ContinuousClock.now
                let now = Date()
                _ = try await connection.execute(insert, ["bench", "succeeded", .null, .string(String(k)), "{}", .date(now), .date(now)])
                durations.append(ContinuousClock.now - start)
            }
        }
        await connection.close()
        let rows = try await BenchTable.count(bench.table, status: "succeeded", on: db)
        guard rows == n else { throw BenchError("B0l: \(rows) of \(n) rows written") }
        await db.shutdown()
        return Latency.Percentiles(durations)
    }

    static func result(of runs: [Latency.Percentiles], _ bench: BenchContext) -> ScenarioResult {
        let p50 = Summary(values: runs.map(\.p50))
        let p99 = Summary(values: runs.map(\.p99))
        let most = Summary(values: runs.map(\.max))
        var result = ScenarioResult(id: id, name: "latency floor, one insert p50", unit: "ms", figure: p50)
        result.figures = ["p50": p50.median, "p99": p99.median]
        result.details = [("calls", .int(bench.options.latencyCalls)), ("p50_ms", p50.json), ("p99_ms", p99.json), ("max_ms", most.json)]
        result.lines = [
            ("one autocommitted insert", cFormat("p50 %.3f ms (%.3f-%.3f)  p99 %.3f ms (%.3f-%.3f)  max %.2f ms", p50.median, p50.min, p50.max, p99.median, p99.min, p99.max, most.median))
        ]
        return result
    }
}
