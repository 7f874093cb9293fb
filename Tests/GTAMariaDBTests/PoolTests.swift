import Foundation
import GTA
import GTAMariaDB
import Testing

@Suite("MariaDB connection pool")
struct PoolTests {
    @Test func manyTasksShareFourConnections() async throws {
        let db = try testDatabase { $0.maximumConnections = 4 }
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_pool_shared", "id INT PRIMARY KEY, connection BIGINT UNSIGNED NOT NULL")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<32 {
                group.addTask {
                    try await db.transaction { tx in
                        let id = try #require(try await tx.query("SELECT CONNECTION_ID() AS c").first).decode(UInt64.self, "c")
                        _ = try await tx.execute("INSERT INTO conn_pool_shared VALUES (?, ?)", [.int(Int64(i)), .uint(id)])
                    }
                    _ = try await db.query("SELECT SLEEP(0.01)")
                }
            }
            try await group.waitForAll()
        }
        let stats = db.pool.statistics
        #expect(stats.peakOpen <= 4)
        #expect(stats.open <= 4)
        #expect(stats.waiting == 0)
        let rows = try await db.query("SELECT COUNT(*) AS n, COUNT(DISTINCT connection) AS c FROM conn_pool_shared")
        #expect(try rows.first?.decode(Int.self, "n") == 32)
        #expect(try rows.first!.decode(Int.self, "c") <= 4)
    }

    @Test func acquireTimesOut() async throws {
        let config = try testConfiguration {
            $0.maximumConnections = 2
            $0.acquireTimeout = .milliseconds(300)
        }
        let pool = MariaDBConnectionPool(configuration: config)
        let a = try await pool.acquire()
        let b = try await pool.acquire()
        let start = ContinuousClock.now
        let error = await caught { _ = try await pool.acquire() }
        let waited = ContinuousClock.now - start
        let e = try #require(error as? MariaDBError)
        #expect(e.isPoolTimeout)
        #expect(e.kind == .poolTimeout)
        #expect(waited >= .milliseconds(250) && waited < .seconds(3))
        #expect(pool.statistics.waiting == 0)
        pool.release(a)
        let c = try await pool.acquire()
        #expect(c === a)
        pool.release(b)
        pool.release(c)
        await pool.shutdown()
        let closed = await caught { _ = try await pool.acquire() }
        #expect((closed as? MariaDBError)?.kind == .poolClosed)
    }

    @Test func waiterIsServedFirstInFirstOut() async throws {
        let pool = MariaDBConnectionPool(configuration: try testConfiguration { $0.maximumConnections = 1 })
        let held = try await pool.acquire()
        let waiter = Task { try await pool.acquire() }
        while pool.statistics.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        pool.release(held)
        let got = try await waiter.value
        #expect(got === held)
        pool.release(got)
        await pool.shutdown()
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        let pool = MariaDBConnectionPool(configuration: try testConfiguration { $0.maximumConnections = 1 })
        let held = try await pool.acquire()
        let waiter = Task { try await pool.acquire() }
        while pool.statistics.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        waiter.cancel()
        let result = await waiter.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(pool.statistics.waiting == 0)
        pool.release(held)
        let again = try await pool.acquire()
        #expect(again === held)
        pool.release(again)
        await pool.shutdown()
    }

    @Test func cancellationDuringLongQueryKeepsPoolWorking() async throws {
        let db = try testDatabase { $0.maximumConnections = 1 }
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_cancel", "id INT PRIMARY KEY")
        let query = Task { try await db.query("SELECT SLEEP(1) AS s") }
        try await Task.sleep(for: .milliseconds(100))
        query.cancel()
        _ = await query.result  // the statement finishes on its thread either way
        #expect(try await db.query("SELECT 1 AS one").first?["one"] == .int(1))

        let transaction = Task {
            try await db.transaction { tx in
                try await tx.execute("INSERT INTO conn_cancel VALUES (1)")
                _ = try await tx.query("SELECT SLEEP(1)")
                try Task.checkCancellation()
                try await tx.execute("INSERT INTO conn_cancel VALUES (2)")
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        transaction.cancel()
        let outcome = await transaction.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        // Rolled back, and the single connection is usable.
        #expect(try await db.query("SELECT COUNT(*) AS n FROM conn_cancel").first?.decode(Int.self, "n") == 0)
        #expect(db.pool.statistics.open <= 1)
    }

    @Test func connectionLeftInTransactionIsDropped() async throws {
        let db = try testDatabase { $0.maximumConnections = 1 }
        defer { Task { await db.shutdown() } }
        let first = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        // A raw START TRANSACTION through an autocommitted call leaves the session in a transaction.
        try await db.execute("START TRANSACTION")
        let second = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        #expect(second != first)
    }
}
