import Foundation
import GTA
import GTAMariaDB
import Testing

struct Boom: Error, Equatable {}

@Suite("MariaDB transactions")
struct TransactionTests {
    func count(_ db: MariaDBDatabase, _ table: String) async throws -> Int {
        try #require(try await db.query("SELECT COUNT(*) AS n FROM \(table)").first).decode(Int.self, "n")
    }

    @Test func commitAndRollback() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_tx_commit", "id INT PRIMARY KEY")
        let value = try await db.transaction { tx in
            _ = try await tx.execute("INSERT INTO conn_tx_commit VALUES (?)", [1])
            _ = try await tx.execute("INSERT INTO conn_tx_commit VALUES (?)", [2])
            return 42
        }
        #expect(value == 42)
        #expect(try await count(db, "conn_tx_commit") == 2)

        let error = await caught {
            try await db.transaction(isolation: .readCommitted) { tx in
                _ = try await tx.execute("INSERT INTO conn_tx_commit VALUES (?)", [3])
                #expect(try await tx.query("SELECT COUNT(*) AS n FROM conn_tx_commit").first?.decode(Int.self, "n") == 3)
                throw Boom()
            }
        }
        #expect(error is Boom)
        #expect(try await count(db, "conn_tx_commit") == 2)
        #expect(db.pool.statistics.open == db.pool.statistics.idle)
    }

    @Test func isolationLevelIsApplied() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_tx_isolation", "id INT PRIMARY KEY")
        // READ COMMITTED sees a row another connection commits mid-transaction;
        // the default REPEATABLE READ keeps its snapshot.
        for (level, expectedGrowth) in [(GTAIsolationLevel?.some(.readCommitted), 1), (nil, 0)] {
            let growth = try await db.transaction(isolation: level) { tx in
                let before = try #require(try await tx.query("SELECT COUNT(*) AS n FROM conn_tx_isolation").first).decode(Int.self, "n")
                try await db.execute("INSERT INTO conn_tx_isolation VALUES (?)", [.int(Int64(before + 100))])
                let after = try #require(try await tx.query("SELECT COUNT(*) AS n FROM conn_tx_isolation").first).decode(Int.self, "n")
                return after - before
            }
            #expect(growth == expectedGrowth)
        }
    }

    @Test func savepointRollsBackAlone() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_tx_savepoint", "id INT PRIMARY KEY")
        try await db.transaction { tx in
            try await tx.execute("INSERT INTO conn_tx_savepoint VALUES (1)")
            let inner = await caught {
                try await tx.transaction { inner in
                    try await inner.execute("INSERT INTO conn_tx_savepoint VALUES (2)")
                    throw Boom()
                }
            }
            #expect(inner is Boom)
            try await tx.transaction { inner in
                try await inner.execute("INSERT INTO conn_tx_savepoint VALUES (3)")
                _ = try await inner.transaction { deeper in
                    try await deeper.execute("INSERT INTO conn_tx_savepoint VALUES (4)")
                }
            }
        }
        let ids = try await db.query("SELECT id FROM conn_tx_savepoint ORDER BY id").map { try $0.decode(Int.self, "id") }
        #expect(ids == [1, 3, 4])
    }

    @Test func handleUsedAfterTheEndThrows() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        let escaped = try await db.transaction { tx in tx as! MariaDBTransaction }
        let error = await caught { _ = try await escaped.query("SELECT 1") }
        let e = try #require(error as? MariaDBError)
        #expect(e.kind == .transactionEnded)
        #expect(e.message.contains("after its transaction ended"))
    }

    @Test func skipLockedClaimsDisjointRows() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_skip_locked", "id INT PRIMARY KEY, task_status TINYINT NOT NULL DEFAULT 0, KEY status_id (task_status, id)")
        for i in 1...10 { try await db.execute("INSERT INTO conn_skip_locked (id) VALUES (?)", [.int(Int64(i))]) }
        let claim = "SELECT id FROM conn_skip_locked WHERE task_status = 0 ORDER BY id LIMIT 3 FOR UPDATE SKIP LOCKED"
        let (first, second) = try await db.transaction(isolation: .readCommitted) { a in
            let mine = try await a.query(claim).map { try $0.decode(Int.self, "id") }
            // While `a` holds its rows, another transaction claims others without waiting.
            let theirs = try await db.transaction(isolation: .readCommitted) { b in
                try await b.query(claim).map { try $0.decode(Int.self, "id") }
            }
            return (mine, theirs)
        }
        #expect(first == [1, 2, 3])
        #expect(second == [4, 5, 6])
    }
}
