#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTAMariaDB

/// B0b: the batch floor, B2's. `--tasks` rows `initialized` up front; `--producers` connections
/// of our connector (no pool, no manager), each looping until nothing is left: in one
/// READ COMMITTED transaction, `SELECT` the library's columns of up to 256 rows
/// `FOR UPDATE SKIP LOCKED`, then `UPDATE` them to `running` by id list; after the commit,
/// `UPDATE` them to `succeeded` by id list, autocommitted. The SQL shapes of the library's claim
/// and batched status write, with nothing in between: the most a scan drain can reach here.
/// A deadlock (MariaDB 1213, which InnoDB now and then reports between these statements) rolls
/// the claim back, or repeats the finishing update, as the library does.
enum BatchFloor: Scenario {
    static let id = "B0b"
    static let batch = 256

    /// Rows per second, first statement to last.
    static func measure(_ bench: BenchContext, run _: Int) async throws -> Double {
        let n = bench.options.tasks
        let db = try await bench.freshDatabase(initializedRows: n)
        let t = try TableName(bench.table).quoted(for: db.dialect)
        var opened: [MariaDBConnection] = []
        for _ in 0..<bench.options.producers {
            let connection = try await MariaDBConnection.connect(configuration: bench.configuration)
            _ = try await connection.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", [])
            opened.append(connection)
        }
        let columns = "id, task_key, task_status, context, argument, extra, created_at, updated_at"
        let select = "SELECT \(columns) FROM \(t) WHERE task_status = ? AND (task_key IN (?)) ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED"
        let start = ContinuousClock.now
        let done = try await withThrowingTaskGroup(of: Int.self) { group in
            for connection in opened {
                group.addTask {
                    try await withTaskExecutorPreference(connection.executor) {
                        var count = 0
                        while true {
                            let ids: [GTAValue], leased: Int
                            do {
                                _ = try await connection.execute("START TRANSACTION", [])
                                let rows = try await connection.query(select, ["initialized", .string(BenchTable.key.rawValue), .int(Int64(batch))])
                                ids = try rows.map { .uint(try $0.decode(UInt64.self, "id")) }
                                guard !ids.isEmpty else {
                                    _ = try await connection.execute("COMMIT", [])
                                    return count
                                }
                                leased = try await connection.execute(
                                    "UPDATE \(t) SET task_status = ?, updated_at = ?, extra = ? WHERE task_status = ? AND id IN (\(Self.list(ids.count)))",
                                    ["running", .date(Date()), #"{"owner":"b0b"}"#, "initialized"] + ids).rowsAffected
                                _ = try await connection.execute("COMMIT", [])
                            } catch let error as MariaDBError where error.isDeadlock {
                                _ = try? await connection.execute("ROLLBACK", [])
                                continue
                            }
                            var finished = 0
                            while true {
                                do {
                                    finished = try await connection.execute(
                                        "UPDATE \(t) SET task_status = ?, updated_at = ? WHERE task_status = ? AND id IN (\(Self.list(ids.count)))",
                                        ["succeeded", .date(Date()), "running"] + ids).rowsAffected
                                    break
                                } catch let error as MariaDBError where error.isDeadlock {
                                    continue
                                }
                            }
                            guard leased == ids.count, finished == ids.count else {
                                throw BenchError("B0b: \(ids.count) rows claimed, \(leased) leased, \(finished) finished")
                            }
                            count += ids.count
                        }
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        for connection in opened { await connection.close() }
        let succeeded = try await BenchTable.count(bench.table, status: "succeeded", on: db)
        guard succeeded == n, done == n else { throw BenchError("B0b: \(done) rows finished, \(succeeded) of \(n) succeeded") }
        await db.shutdown()
        return Double(n) / elapsed.seconds
    }

    private static func list(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    static func result(of rates: [Double], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "batch floor, our connector", unit: "rows/s", figure: Summary(values: rates),
                       details: [("connections", .int(bench.options.producers)), ("batch", .int(batch)), ("rows", .int(bench.options.tasks))])
    }
}
