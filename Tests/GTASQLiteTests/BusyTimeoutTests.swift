import Foundation
import GTA
import GTASQLite
import Testing

@Suite("The busy timeout bounds every wait")
struct BusyTimeoutTests {
    /// Another process (here: another database on the file) holds the write lock until the
    /// returned task is cancelled or finishes.
    func holdTheWriteLock(_ path: String, for duration: Duration) async throws -> (SQLiteDatabase, Task<Void, any Error>) {
        let holder = try await SQLiteDatabase(path: path)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let holding = Task {
            try await holder.transaction { tx in
                _ = try await tx.execute("INSERT INTO t (v) VALUES (0)", [])
                startedContinuation.yield()
                try await Task.sleep(for: duration)
                throw CancellationError()  // roll back
            }
        }
        for await _ in started { break }
        return (holder, holding)
    }

    @Test(arguments: ["execute", "transaction", "query"])
    func callersQueuedForTheWriterEachWaitAtMostTheBusyTimeout(_ call: String) async throws {
        let timeout = Duration.seconds(1)
        try await withDatabase({ $0.busyTimeout = timeout }) { db, path in
            _ = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
            let (holder, holding) = try await holdTheWriteLock(path, for: .seconds(5))
            // Three callers in this process queue for its one writer connection while another
            // process holds the file's lock: each caller's whole wait is bounded, not just the
            // time its own statement waits for the lock.
            let waits = try await withThrowingTaskGroup(of: (Duration, Bool).self) { group in
                for n in 1...3 {
                    group.addTask {
                        let start = ContinuousClock.now
                        let error = await caught {
                            switch call {
                            case "execute": _ = try await db.execute("INSERT INTO t (v) VALUES (?)", [.int(Int64(n))])
                            case "transaction": try await db.transaction { tx in _ = try await tx.execute("INSERT INTO t (v) VALUES (?)", [.int(Int64(n))]) }
                            default: _ = try await db.query("INSERT INTO t (v) VALUES (?) RETURNING id", [.int(Int64(n))])
                            }
                        }
                        let busy = (error as? SQLiteError).map { $0.isBusy && ($0 as any GTADatabaseError).isTransient } == true
                        return (ContinuousClock.now - start, busy)
                    }
                }
                return try await group.reduce(into: [(Duration, Bool)]()) { $0.append($1) }
            }
            for (waited, busy) in waits {
                #expect(busy)
                #expect(waited < timeout * 2, "waited \(waited) with a busy timeout of \(timeout)")
            }
            holding.cancel()
            _ = await holding.result
            await holder.close()
        }
    }
}

func caught(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
