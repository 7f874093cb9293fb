import Foundation
@testable import GTA
@testable import GTAMariaDB
import Testing

@Suite("MariaDB errors")
struct ErrorTests {
    @Test func duplicateKey() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_duplicate", "id INT PRIMARY KEY, name VARCHAR(20) UNIQUE")
        _ = try await db.execute("INSERT INTO conn_duplicate VALUES (?, ?)", [1, "a"])
        let error = await caught { try await db.execute("INSERT INTO conn_duplicate VALUES (?, ?)", [2, "a"]) }
        let e = try #require(error as? MariaDBError)
        #expect(e.isDuplicateKey)
        #expect(e.errno == 1062)
        #expect(e.sqlState == "23000")
        #expect(!e.isDeadlock && !e.isConnectionLost && !e.isTransient)
        #expect(MariaDBError.matches(e, errno: 1062))
        let classified = try #require(error as? any GTADatabaseError)
        #expect(classified.isDuplicateKey)
        // The connection is fine afterwards.
        #expect(try await db.query("SELECT COUNT(*) AS n FROM conn_duplicate").first?.decode(Int.self, "n") == 1)
    }

    @Test func deadlock() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_deadlock", "id INT PRIMARY KEY, v INT NOT NULL")
        try await db.execute("INSERT INTO conn_deadlock VALUES (1, 0), (2, 0)")
        // Each transaction takes its first row before either asks for the other's, whatever the
        // machine's load: then the second requests close a cycle, and InnoDB picks a victim.
        let (aLocked, aLockedSignal) = AsyncStream<Void>.makeStream()
        let (bLocked, bLockedSignal) = AsyncStream<Void>.makeStream()
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                await caught {
                    try await db.transaction { a in
                        try await a.execute("UPDATE conn_deadlock SET v = v + 1 WHERE id = 1")
                        aLockedSignal.finish()
                        for await _ in bLocked {}
                        try await a.execute("UPDATE conn_deadlock SET v = v + 1 WHERE id = 2")
                    }
                }
            }
            group.addTask {
                await caught {
                    try await db.transaction { b in
                        for await _ in aLocked {}
                        try await b.execute("UPDATE conn_deadlock SET v = v + 1 WHERE id = 2")
                        bLockedSignal.finish()
                        try await b.execute("UPDATE conn_deadlock SET v = v + 1 WHERE id = 1")
                    }
                }
            }
            var all: [(any Error)?] = []
            for await e in group { all.append(e) }
            return all
        }
        let failures = errors.compactMap { $0 }
        #expect(failures.count == 1)
        let e = try #require(failures.first as? MariaDBError)
        #expect(e.isDeadlock)
        #expect(e.isTransient)
        // What an application's transaction meets on a Galera certification failure too: it
        // says the transaction may be run again.
        #expect(e.isConflict && !e.isAbortedFetch)
        // The survivor committed both rows.
        let total = try await db.query("SELECT SUM(v) AS s FROM conn_deadlock").first?.decode(Int.self, "s")
        #expect(total == 2)
    }

    @Test func lockWaitTimeout() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_lock_wait", "id INT PRIMARY KEY, v INT NOT NULL")
        try await db.execute("INSERT INTO conn_lock_wait VALUES (1, 0)")
        try await db.transaction { holder in
            try await holder.execute("UPDATE conn_lock_wait SET v = 1 WHERE id = 1")
            let error = await caught {
                try await db.transaction { waiter in
                    try await waiter.execute("SET SESSION innodb_lock_wait_timeout = 1")
                    do {
                        try await waiter.execute("UPDATE conn_lock_wait SET v = 2 WHERE id = 1")
                    } catch let e as MariaDBError where e.isLockWaitTimeout {
                        // Only the statement was rolled back: the transaction is still open.
                        let open = try await waiter.query("SELECT @@in_transaction AS t").first?.decode(Int.self, "t")
                        #expect(open == 1)
                        throw e
                    }
                }
            }
            let e = try #require(error as? MariaDBError)
            #expect(e.isLockWaitTimeout)
            #expect(e.errno == 1205)
            #expect(e.isTransient)
        }
    }

    @Test func killedConnectionIsReplaced() async throws {
        let db = try testDatabase { $0.maximumConnections = 1 }
        defer { Task { await db.shutdown() } }
        let first = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        let admin = try await MariaDBConnection.connect(configuration: try testConfiguration())
        try await admin.execute("KILL \(first)")
        await admin.close()
        let error = await caught { _ = try await db.query("SELECT 1") }
        let e = try #require(error as? MariaDBError)
        #expect(e.isConnectionLost)
        #expect(e.errno == 2013 || e.errno == 2006)
        // The pool dropped the dead connection; the next acquire opens a fresh one.
        let second = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        #expect(second != first)
        #expect(db.pool.statistics.open == 1)
    }

    @Test func connectionKilledInsideTransaction() async throws {
        let db = try testDatabase { $0.maximumConnections = 1 }
        defer { Task { await db.shutdown() } }
        let error = await caught {
            try await db.transaction { tx in
                let id = try #require(try await tx.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
                let admin = try await MariaDBConnection.connect(configuration: try testConfiguration())
                try await admin.execute("KILL \(id)")
                await admin.close()
                _ = try await tx.query("SELECT 1")
            }
        }
        #expect((error as? MariaDBError)?.isConnectionLost == true)
        #expect(try await db.query("SELECT 1 AS one").first?["one"] == .int(1))
    }

    @Test func wrongPassword() async throws {
        let secret = "wrong-\(UUID().uuidString)"
        let db = try testDatabase {
            $0.password = secret
            $0.connectTimeout = .seconds(3)
        }
        defer { Task { await db.shutdown() } }
        let start = ContinuousClock.now
        let error = await caught { _ = try await db.query("SELECT 1") }
        #expect(ContinuousClock.now - start < .seconds(3))
        let e = try #require(error as? MariaDBError)
        #expect(e.isAccessDenied)
        #expect(e.errno == 1045)
        #expect(e.kind == .connect)
        #expect(e.message.contains("as user 'gta'"))
        #expect(!"\(e)".contains(secret))
        #expect(!String(reflecting: e).contains(secret))
        #expect(!e.message.contains(secret))
        #expect(db.pool.statistics.open == 0)
    }

    @Test func unreachablePort() async throws {
        let db = try testDatabase {
            $0.host = "127.0.0.1"
            $0.port = 1
            $0.connectTimeout = .seconds(2)
        }
        defer { Task { await db.shutdown() } }
        let start = ContinuousClock.now
        let error = await caught { _ = try await db.query("SELECT 1") }
        #expect(ContinuousClock.now - start < .seconds(3))
        let e = try #require(error as? MariaDBError)
        #expect(e.isConnectFailure)
        #expect(e.kind == .connect)
        #expect(e.message.contains("127.0.0.1:1"))
    }

    @Test func placeholderCountMismatch() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        let error = await caught { _ = try await db.query("SELECT ? AS a", [1, 2]) }
        #expect((error as? MariaDBError)?.message.contains("1 placeholder(s) but 2 value(s)") == true)
        #expect(try await db.query("SELECT ? AS a", [7]).first?.decode(Int.self, "a") == 7)
    }

    /// 1290 (a read-only server: a replica, a Group Replication secondary) and 3101 (a Group
    /// Replication certification failure), as MySQL sends them; no MySQL server here.
    @Test func readOnlyAndCertificationFailures() {
        let readOnly = MariaDBError(kind: .execute, errno: 1290, message: "The MySQL server is running with the --super-read-only option so it cannot execute this statement")
        #expect(readOnly.isReadOnly && readOnly.isUnavailable && readOnly.isRetryable)
        #expect(!readOnly.isConflict && !readOnly.isTransient && !readOnly.isConnectionLost)
        #expect(MariaDBHostSelector.meansHostFailed(readOnly))
        let certification = MariaDBError(kind: .transaction, errno: 3101, sqlState: "40000", message: "Plugin instructed the server to rollback the current transaction.")
        #expect(certification.isCertificationFailure && certification.isConflict && certification.isTransient)
        #expect(certification.isRetryable && !certification.isUnavailable && !certification.isDeadlock)
        #expect(!MariaDBHostSelector.meansHostFailed(certification))
        let classified: any GTADatabaseError = certification
        #expect(classified.isConflict)
        let notReady = MariaDBError(kind: .execute, errno: 1047, message: "WSREP has not yet prepared node for application use")
        #expect(!notReady.isReadOnly && MariaDBHostSelector.meansHostFailed(notReady))
    }

    /// The library's own transactions run again on a 3101 as on a 1213; a 1290 is not a conflict
    /// (it goes to the status writer's retries and the host's avoidance).
    @Test func theLibraryRunsItsTransactionsAgainOnACertificationFailure() async throws {
        actor Runs { var n = 0; func next() -> Int { n += 1; return n } }
        let runs = Runs()
        let value = try await ConflictRetry.run {
            if await runs.next() < 3 { throw MariaDBError(kind: .transaction, errno: 3101, message: "Plugin instructed the server to rollback the current transaction.") }
            return 7
        }
        #expect(value == 7)
        #expect(await runs.n == 3)
        let readOnly = Runs()
        let error = await caught {
            _ = try await ConflictRetry.run { () async throws -> Int in
                _ = await readOnly.next()
                throw MariaDBError(kind: .execute, errno: 1290, message: "read-only")
            }
        }
        #expect((error as? MariaDBError)?.isReadOnly == true)
        #expect(await readOnly.n == 1)
    }
}
