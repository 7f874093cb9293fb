import Foundation
import GTA
import GTASQLite
import Testing

@Suite("Locking, several databases, errors")
struct LockingAndErrorTests {
    @Test func twoDatabasesOnOneFileClaimEachRowOnce() async throws {
        try await withDatabase { first, path in
            _ = try await first.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT NOT NULL)")
            try await first.transaction { tx in
                for id in 1...300 {
                    _ = try await tx.execute("INSERT INTO t VALUES (?, 'initialized')", [.int(Int64(id))])
                }
            }
            let second = try await SQLiteDatabase(path: path)
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    let db = worker.isMultiple(of: 2) ? first : second
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch: [Int64] = try await db.transaction { tx in
                                let ids = try await tx.query(
                                    "SELECT id FROM t WHERE status = 'initialized' ORDER BY id LIMIT 5", []
                                ).map { try $0.decode(Int64.self, "id") }
                                guard !ids.isEmpty else { return [] }
                                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                                let result = try await tx.execute(
                                    "UPDATE t SET status = 'running' WHERE id IN (\(marks)) AND status = 'initialized'",
                                    ids.map { .int($0) }
                                )
                                #expect(result.rowsAffected == ids.count)
                                return ids
                            }
                            if batch.isEmpty { return mine }
                            mine += batch
                        }
                    }
                }
                var all: [Int64] = []
                for try await ids in group { all += ids }
                return all
            }
            await second.close()
            #expect(claimed.count == 300)
            #expect(Set(claimed).count == 300)
            #expect(try await first.query("SELECT COUNT(*) AS n FROM t WHERE status = 'running'").first?.decode(Int.self, "n") == 300)
        }
    }

    @Test func duplicateKeys() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE)")
            _ = try await db.execute("INSERT INTO t VALUES (1, 'a')")
            let unique = await #expect(throws: SQLiteError.self) {
                _ = try await db.execute("INSERT INTO t VALUES (2, 'a')", [])
            }
            #expect(unique?.isDuplicateKey == true)
            #expect(unique?.codeName == "SQLITE_CONSTRAINT_UNIQUE")
            #expect(unique?.description.contains("UNIQUE constraint failed: t.k") == true)
            let primary = await #expect(throws: SQLiteError.self) {
                _ = try await db.execute("INSERT INTO t VALUES (1, 'b')", [])
            }
            #expect(primary?.isDuplicateKey == true)
            #expect((primary as (any GTADatabaseError)?)?.isTransient == false)
            // The dialect's INSERT OR IGNORE skips it.
            #expect(try await db.execute("\(db.sqliteDialect.insertIgnore) INTO t VALUES (1, 'b')", []).rowsAffected == 0)
        }
    }

    @Test func aLockHeldTooLongIsATypedBusyError() async throws {
        try await withDatabase({ $0.busyTimeout = .milliseconds(200); $0.maximumBusyRetries = 3 }) { db, path in
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            let holder = try await SQLiteDatabase(path: path)
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let holding = Task {
                try await holder.transaction { tx in
                    _ = try await tx.execute("INSERT INTO t VALUES (1)", [])
                    startedContinuation.yield()
                    try await Task.sleep(for: .milliseconds(1500))
                }
            }
            for await _ in started { break }
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: SQLiteError.self) {
                try await db.transaction { tx in
                    _ = try await tx.execute("INSERT INTO t VALUES (2)", [])
                }
            }
            #expect(clock.now - start < .milliseconds(1200))
            #expect(error?.isBusy == true)
            #expect(error?.isLockWaitTimeout == true)
            #expect((error as (any GTADatabaseError)?)?.isTransient == true)
            #expect(error?.description.contains("database is locked") == true)
            #expect(error?.sql == "BEGIN IMMEDIATE")
            // An autocommitted write waits the same way; a read goes on (WAL).
            await #expect(throws: SQLiteError.self) {
                _ = try await db.execute("INSERT INTO t VALUES (3)", [])
            }
            #expect(try await db.query("SELECT COUNT(*) AS n FROM t").first?.decode(Int.self, "n") == 0)
            try await holding.value
            // Once the lock is free, writing works again.
            _ = try await db.transaction { tx in try await tx.execute("INSERT INTO t VALUES (2)", []) }
            #expect(try await db.query("SELECT COUNT(*) AS n FROM t").first?.decode(Int.self, "n") == 2)
            await holder.close()
        }
    }

    @Test func writersOnTwoDatabasesWaitForEachOther() async throws {
        // A generous busy timeout on both: on a loaded machine the 40 writers queue for longer
        // than the default 5 s; what is checked is that they wait and lose no update.
        try await withDatabase({ $0.busyTimeout = .seconds(60) }) { first, path in
            _ = try await first.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            _ = try await first.execute("INSERT INTO counter VALUES (1, 0)")
            var configuration = SQLiteConfiguration(path: path)
            configuration.busyTimeout = .seconds(60)
            let second = try await SQLiteDatabase(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    let db = i.isMultiple(of: 2) ? first : second
                    group.addTask {
                        if i.isMultiple(of: 3) {
                            _ = try await db.execute("UPDATE counter SET n = n + 1 WHERE id = 1", [])
                        } else {
                            try await db.transaction { tx in
                                let n = try #require(try await tx.query("SELECT n FROM counter").first).decode(Int.self, "n")
                                _ = try await tx.execute("UPDATE counter SET n = ?", [.int(Int64(n + 1))])
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            await second.close()
            #expect(try await first.query("SELECT n FROM counter").first?.decode(Int.self, "n") == 40)
        }
    }

    @Test(arguments: ["/proc/nope/x.db", "MISSING_DIR/x.db"])
    func unopenableFilesAreClearErrors(_ template: String) async throws {
        try await withTemporaryDirectory { directory in
            let path = template.replacingOccurrences(of: "MISSING_DIR", with: directory.appendingPathComponent("missing").path)
            let error = await #expect(throws: SQLiteError.self) {
                _ = try await SQLiteDatabase(path: path)
            }
            #expect(error?.resultCode == 14)
            #expect(error?.description.hasPrefix("cannot open database file '\(path)': unable to open database file") == true)
        }
    }

    @Test func notADatabase() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("text.db").path
            try Data(repeating: 65, count: 4096).write(to: URL(fileURLWithPath: path))
            let error = await #expect(throws: SQLiteError.self) {
                _ = try await SQLiteDatabase(path: path)
            }
            #expect(error?.resultCode == 26)
            #expect(error?.description.contains(path) == true)
        }
    }

    @Test func urls() throws {
        #expect(try SQLiteConfiguration(url: "sqlite:///var/lib/app.db").path == "/var/lib/app.db")
        #expect(try SQLiteConfiguration(url: "sqlite:data/app.db").path == "data/app.db")
        #expect(try SQLiteConfiguration(url: "SQLITE:app.db").path == "app.db")
        #expect(try SQLiteConfiguration(url: "sqlite:///tmp/a%20b.db").path == "/tmp/a b.db")
        #expect(try SQLiteConfiguration(url: "sqlite::memory:").isInMemory)
        #expect(SQLiteConfiguration(path: ":memory:").isInMemory)
        #expect(SQLiteConfiguration.inMemory.isInMemory)
        for bad in ["mysql://localhost/db", "sqlite:", "sqlite://", "sqlite://host/app.db", "app.db"] {
            #expect(throws: SQLiteConfiguration.URLError.self) { try SQLiteConfiguration(url: bad) }
        }
        let defaults = SQLiteConfiguration(path: "x.db")
        #expect(defaults.busyTimeout == .seconds(5))
        #expect(defaults.journalMode == .wal)
        #expect(defaults.synchronous == .normal)
        #expect(defaults.timeZone.secondsFromGMT() == 0 && defaults.timeZone.nextDaylightSavingTimeTransition == nil)
    }

    @Test func walIsOnForFiles() async throws {
        try await withDatabase { db, _ in
            let mode = try await db.query("PRAGMA journal_mode").first?.decode(String.self, "journal_mode")
            #expect(mode == "wal")
            let fk = try await db.query("PRAGMA foreign_keys").first?.decode(Int.self, "foreign_keys")
            #expect(fk == 1)
        }
    }
}
