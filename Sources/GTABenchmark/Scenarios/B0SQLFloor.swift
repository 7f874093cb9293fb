#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTAMariaDB

/// B0: the SQL floor through our connector. `--producers` connections, each looping: an
/// autocommitted INSERT of a task row as `running`, then an autocommitted UPDATE of that row to
/// `succeeded` by id; `--tasks` pairs in all.
enum SQLFloor: Scenario {
    static let id = "B0"

    /// Pairs per second, first statement to last.
    static func measure(_ bench: BenchContext, run _: Int) async throws -> Double {
        let n = bench.options.tasks
        let connections = bench.options.producers
        let db = try await bench.freshDatabase()
        let t = try TableName(bench.table).quoted(for: db.dialect)
        var opened: [MariaDBConnection] = []
        for _ in 0..<connections { opened.append(try await MariaDBConnection.connect(configuration: bench.configuration)) }
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
                            guard changed == 1 else { throw BenchError("B0: update of row \(id) changed \(changed) rows") }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        for connection in opened { await connection.close() }
        let succeeded = try await BenchTable.count(bench.table, status: "succeeded", on: db)
        guard succeeded == n else { throw BenchError("B0: \(succeeded) of \(n) rows succeeded") }
        await db.shutdown()
        return Double(n) / elapsed.seconds
    }

    static func result(of rates: [Double], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "SQL floor, our connector", unit: "pairs/s", figure: Summary(values: rates),
                       details: [("connections", .int(bench.options.producers)), ("pairs", .int(bench.options.tasks))], floor: CFloor.id)
    }
}
