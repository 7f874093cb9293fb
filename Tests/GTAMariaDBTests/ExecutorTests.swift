import Foundation
import GTA
import GTAMariaDB
import Testing

@Suite("MariaDB connection executor")
struct ExecutorTests {
    /// Statements sent from a task that prefers the connection's executor run inline on its
    /// thread, in order, with the same results as from anywhere else.
    @Test func statementsRunOnTheConnectionsThread() async throws {
        let connection = try await MariaDBConnection.connect(configuration: try testConfiguration())
        try await recreate(connection, "conn_executor", "id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL")
        let ids = try await withTaskExecutorPreference(connection.executor) {
            var ids: [UInt64] = []
            for i in 0..<50 {
                ids.append(try await connection.execute("INSERT INTO conn_executor (v) VALUES (?)", [.int(Int64(i))]).lastInsertID)
            }
            // A task that does not prefer the executor still reaches the connection meanwhile.
            let other = try await Task.detached { try await connection.query("SELECT COUNT(*) AS n FROM conn_executor") }.value
            #expect(try other.first?.decode(Int.self, "n") == 50)
            return ids
        }
        #expect(ids.count == 50 && Set(ids).count == 50)
        let sum = try await connection.query("SELECT SUM(v) AS s FROM conn_executor")
        #expect(try sum.first?.decode(Int.self, "s") == (0..<50).reduce(0, +))
        await connection.close()
        // A closed connection's executor still runs the task (inline); its statements throw.
        let error = await caught {
            try await withTaskExecutorPreference(connection.executor) {
                _ = try await connection.query("SELECT 1")
            }
        }
        #expect(error != nil)
    }
}
