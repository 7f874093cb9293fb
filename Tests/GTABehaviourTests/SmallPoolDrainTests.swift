import Foundation
import Synchronization
import Testing

@testable import GTA

/// Issue 11: a backlog drains through a small pool at the database's pace, not one claim per
/// scan interval, and never with more handlers at once than the pool has.
@Suite struct SmallPoolDrainTests {
    @Test(arguments: Backend.allCases)
    func aSmallPoolDrainsABacklogWithoutWaitingForTheIntervals(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // A claim every 2 s at most without the backlog rule: 30 claims of 2 rows would take a
            // minute, twice the time allowed.
            let manager = try TaskManager(
                db: db, table: table.name,
                options: noScanOptions(RecordingLogger(), .withPoolSize(2), .withInstantScanInterval(.seconds(2))))
            let handlers = Mutex((now: 0, most: 0, ran: 0))
            try manager.register(
                "k",
                TaskDefinition(handler: { _, _ in
                    handlers.withLock { h in
                        h.now += 1
                        h.most = max(h.most, h.now)
                    }
                    try await Task.sleep(for: .milliseconds(1))
                    handlers.withLock { h in
                        h.now -= 1
                        h.ran += 1
                    }
                }))
            for _ in 0..<60 { try await table.insert(key: "k", status: .initialized, argument: "1") }
            manager.start()
            try await eventually("the 60 rows to succeed", timeout: .seconds(30)) { try await table.count(.succeeded) == 60 }
            let seen = handlers.withLock { $0 }
            #expect(seen.ran == 60)
            #expect(seen.most <= 2)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aStopHandsBackTasksTakenAheadThatHaveNotStarted(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withPoolSize(1)))
            let gate = Gate()
            let started = Recorder<Int>()
            try manager.register("k", TaskDefinition(handler: { _, _ in started.append(1); await gate.wait() }))
            for _ in 0..<3 { try await table.insert(key: "k", status: .initialized, argument: "1") }
            #expect(try await manager.makeScanner().claim(ahead: 2).kept == 3)
            try await eventually("one handler to start") { started.count == 1 }
            try await Task.sleep(for: .milliseconds(100))
            #expect(started.count == 1)  // the other two wait for the slot
            #expect(try await table.count(.running) == 3)
            let stopping = Task { await manager.stop(wait: false) }
            try await eventually("the two waiting to be handed back") { try await table.count(.initialized) >= 2 }
            gate.open()
            await stopping.value
            #expect(started.count == 1)
            #expect(try await table.count(.initialized) == 3)  // the running one is handed back too
        }
    }
}
