import Foundation
import GTA
import GTASQLite
import Testing

@Suite("Connection routing and lifecycle")
struct ConnectionRoutingTests {
    @Test func aWritingQueryRunsOnTheWriter() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", [])
            let rows = try await db.query("INSERT INTO t (name) VALUES (?) RETURNING id, name", ["a"])
            #expect(try rows.first?.decode(Int.self, "id") == 1)
            #expect(try await db.query("SELECT name FROM t").first?.decode(String.self, "name") == "a")
            // Inside a transaction, the same writing query would wait for the writer: it throws.
            _ = try await db.transaction { _ in
                await #expect(throws: SQLiteError.self) {
                    try await db.query("INSERT INTO t (name) VALUES ('b') RETURNING id", [])
                }
            }
        }
    }

    @Test func aTaskWaitingForTheWriterCanBeCancelled() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)", [])
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await db.transaction { tx in
                    _ = try await tx.execute("INSERT INTO t VALUES (1)", [])
                    startedContinuation.yield()
                    for await _ in release { break }
                }
            }
            for await _ in started { break }
            let waiter = Task {
                try await db.transaction { tx in
                    _ = try await tx.execute("INSERT INTO t VALUES (2)", [])
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            releaseContinuation.yield()
            try await holder.value
            // The writer is still usable and only the holder's row exists.
            _ = try await db.execute("INSERT INTO t VALUES (3)", [])
            let ids = try await db.query("SELECT id FROM t ORDER BY id").map { try $0.decode(Int.self, "id") }
            #expect(ids == [1, 3])
        }
    }

    @Test func closeWaitsForARunningTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("close.db").path
            let db = try await SQLiteDatabase(path: path)
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)", [])
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let running = Task {
                try await db.transaction { tx in
                    startedContinuation.yield()
                    try await Task.sleep(for: .milliseconds(100))
                    _ = try await tx.execute("INSERT INTO t VALUES (1)", [])
                }
            }
            for await _ in started { break }
            await db.close()
            try await running.value
            await #expect(throws: SQLiteError.self) { _ = try await db.execute("INSERT INTO t VALUES (2)", []) }
            let reopened = try await SQLiteDatabase(path: path)
            #expect(try await reopened.query("SELECT COUNT(*) AS n FROM t").first?.decode(Int.self, "n") == 1)
            await reopened.close()
        }
    }

    @Test func aDatabaseDroppedWithoutCloseReleasesItsFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("dropped.db").path
            do {
                let db = try await SQLiteDatabase(path: path)
                _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)", [])
                _ = try await db.execute("INSERT INTO t VALUES (1)", [])
            }
            try await Task.sleep(for: .milliseconds(50))
            var configuration = SQLiteConfiguration(path: path)
            configuration.journalMode = .delete  // needs every other connection gone
            configuration.busyTimeout = .seconds(2)
            let db = try await SQLiteDatabase(configuration: configuration)
            #expect(try await db.query("PRAGMA journal_mode").first?.decode(String.self, "journal_mode") == "delete")
            #expect(try await db.query("SELECT COUNT(*) AS n FROM t").first?.decode(Int.self, "n") == 1)
            await db.close()
        }
    }

    @Test func noReadersMeansEverythingOnTheWriter() async throws {
        try await withDatabase({ $0.readerCount = 0; $0.statementCacheCapacity = 0 }) { db, _ in
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)", [])
            for i in 0..<5 { _ = try await db.execute("INSERT INTO t VALUES (?)", [.int(Int64(i))]) }
            #expect(try await db.query("SELECT COUNT(*) AS n FROM t").first?.decode(Int.self, "n") == 5)
        }
    }
}
