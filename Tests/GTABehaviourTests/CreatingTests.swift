import Foundation
@testable import GTA
import ServiceContextModule
import Testing

/// SPEC 3, "Creating a task": commit hook, scan path, rollback, full pool, after stop.
@Suite struct CreatingTests {
    struct Mail: Codable, Sendable, Equatable {
        var to: String
        var subject: String
    }

    @Test(arguments: Backend.allCases)
    func commitHookWritesRunningAndRunsWithoutAScan(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(logger))
            let seen = Recorder<Mail>()
            let gate = Gate()
            try manager.register("mail", TaskDefinition(argumentType: Mail.self) { _, mail in
                seen.append(mail)
                await gate.wait()
            })
            manager.start()
            try await manager.transaction { tx in
                try await manager.runWithTx(tx, "mail", Mail(to: "a@example.com", subject: "hi"))
            }
            // Running before any scan could have happened (the scan interval is an hour).
            try await eventually("the handler to start") { seen.count == 1 }
            #expect(seen.all == [Mail(to: "a@example.com", subject: "hi")])
            #expect(try await table.userStatuses() == [.running])
            gate.open()
            try await eventually("the row to succeed") { try await table.userStatuses() == [.succeeded] }
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func runIsTheWrapperAroundOneTask(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let seen = Recorder<JSONValue?>()
            try manager.register("any", TaskDefinition(handler: { _, argument in seen.append(argument) }))
            manager.start()
            try await manager.run("any", ["n": 1, "s": "x"] as [String: JSONValue])
            try await manager.run("any")
            try await eventually("both rows to succeed") { try await table.userStatuses() == [.succeeded, .succeeded] }
            #expect(Set(seen.all.map { $0?.description ?? "nil" }) == [#"{"n":1,"s":"x"}"#, "nil"])
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func anotherTransactionWritesInitializedForTheScanner(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            let seen = Recorder<String>()
            try manager.register("k", TaskDefinition(handler: { _, _ in seen.append("ran") }))
            // Not started yet: nothing can claim the row.
            try await db.transaction { tx in
                try await tx.execute("SELECT 1", [])
                try await manager.runWithTx(tx, "k", ["a": 1] as [String: Int])
            }
            #expect(try await table.userStatuses() == [.initialized])
            try await Task.sleep(for: .milliseconds(300))
            #expect(seen.count == 0)
            manager.start()
            try await eventually("the scanner to run it") { try await table.userStatuses() == [.succeeded] }
            #expect(seen.count == 1)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func rollbackLeavesNothingAndRunsNothing(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let seen = Recorder<String>()
            try manager.register("k", TaskDefinition(handler: { _, _ in seen.append("ran") }))
            manager.start()
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await manager.transaction { tx in
                    try await manager.runWithTx(tx, "k", 1)
                    try await manager.runWithTx(tx, "k", 2)
                    throw Abort()
                }
            }
            // Also in a plain transaction.
            await #expect(throws: Abort.self) {
                try await db.transaction { tx in
                    try await manager.runWithTx(tx, "k", 3)
                    throw Abort()
                }
            }
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await table.count() == 0)
            #expect(seen.count == 0)
            // The slots reserved for the rolled-back tasks were given back (the built-in rows may
            // still be running on a slow server, such as a Galera node: wait for those).
            try await eventually("no task running") { manager.pool.runningCount == 0 }
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func savepointRollbackDropsOnlyItsTasks(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let seen = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in seen.append(n) })
            manager.start()
            struct Abort: Error {}
            try await manager.transaction { tx in
                try await manager.runWithTx(tx, "k", 1)
                _ = try? await tx.transaction { inner in
                    try await manager.runWithTx(inner, "k", 2)
                    throw Abort()
                }
                try await tx.transaction { inner in
                    try await manager.runWithTx(inner, "k", 3)
                }
            }
            try await eventually("two tasks to succeed") { try await table.count(.succeeded) == 2 }
            #expect(Set(seen.all) == [1, 3])
            #expect(try await table.count() == 2)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func fullPoolFallsBackToInitialized(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withPoolSize(1)))
            let gate = Gate()
            let started = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in
                started.append(n)
                await gate.wait()
            })
            manager.start()
            try await manager.run("k", 1)
            try await eventually("the first task to hold the only slot") { started.count == 1 }
            try await manager.run("k", 2)
            #expect(try await table.userStatuses() == [.running, .initialized])
            try await Task.sleep(for: .milliseconds(200))
            #expect(started.all == [1])
            gate.open()
            try await eventually("the first to succeed") { try await table.userStatuses().first == .succeeded }
            await manager.stop(wait: false)
        }
    }

    @Test(arguments: Backend.allCases)
    func unregisteredKeyAndWrongArgumentFailAndWriteNothing(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try manager.register("mail", TaskDefinition(argumentType: Mail.self) { _, _ in })
            await #expect(throws: GTAError.taskNotFound) { try await manager.run("nope", 1) }
            await #expect(throws: GTAError.definitionArgumentInvalid) { try await manager.run("mail", "not a mail") }
            await #expect(throws: GTAError.definitionArgumentInvalid) { try await manager.run("mail", nil) }
            #expect(try await table.count() == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func tasksCreatedAfterStopAreInitialized(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let seen = Recorder<String>()
            try manager.register("k", TaskDefinition(handler: { _, _ in seen.append("ran") }))
            manager.start()
            await manager.stop(wait: true)
            try await manager.run("k", 1)
            try await manager.transaction { tx in try await manager.runWithTx(tx, "k", 2) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await table.userStatuses() == [.initialized, .initialized])
            #expect(seen.count == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func contextIsStoredAndRestored(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(
                db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withCtxMarshaler(RequestIDMarshaler())))
            let seen = Recorder<String>()
            try manager.register("k", TaskDefinition(handler: { context, _ in
                seen.append((context[RequestIDKey.self] ?? "none") + "/" + (ServiceContext.current?[RequestIDKey.self] ?? "none"))
            }))
            manager.start()
            var context = ServiceContext.topLevel
            context[RequestIDKey.self] = "req-7"
            try await manager.run("k", 1, context: context)
            try await eventually("the task to run") { seen.count == 1 }
            #expect(seen.all == ["req-7/req-7"])
            let stored = try await db.query("SELECT context FROM \(table.quoted) WHERE task_key = 'k'", [])
            let storedContext = try stored[0].decode(String.self, "context")
            #expect(storedContext == #"{"request_id":"req-7"}"#)
            await manager.stop(wait: true)
        }
    }
}

/// The fixture's context convention: `{"request_id":"<id>"}`, `{}` without an id.
enum RequestIDKey: ServiceContextKey {
    typealias Value = String
}

struct RequestIDMarshaler: CtxMarshaler {
    struct Stored: Codable { var request_id: String? }
    func marshalCtx(_ context: ServiceContext) throws -> [UInt8]? {
        guard let id = context[RequestIDKey.self] else { return Array("{}".utf8) }
        return try GoJSONEncoder().encode(Stored(request_id: id))
    }
    func unmarshalCtx(_ bytes: [UInt8]?) throws -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let bytes else { return context }
        if let id = try GoJSONDecoder().decode(Stored.self, from: bytes).request_id {
            context[RequestIDKey.self] = id
        }
        return context
    }
}

@Suite struct BatchTests {
    @Test(arguments: Backend.allCases)
    func batchCreatesRunningUpToThePoolAndInitializedBeyond(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withPoolSize(3)))
            let gate = Gate()
            let seen = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in seen.append(n); await gate.wait() })
            try await manager.transaction { tx in
                try await manager.runBatchWithTx(tx, "k", (1...10).map { $0 })
            }
            try await eventually("three to start") { seen.count == 3 }
            #expect(try await table.count(.running) == 3)
            #expect(try await table.count(.initialized) == 7)
            #expect(Set(seen.all) == [1, 2, 3])
            gate.open()
            try await eventually("the three to succeed") { try await table.count(.succeeded) == 3 }
            // Outside the wrapper: all initialized, and a wrong argument writes nothing.
            try await db.transaction { tx in try await manager.runBatchWithTx(tx, "k", [11, 12]) }
            #expect(try await table.count(.initialized) == 9)
            await #expect(throws: GTAError.definitionArgumentInvalid) {
                try await manager.transaction { tx in try await manager.runBatchWithTx(tx, "k", [13, "x"]) }
            }
            #expect(try await table.count() == 12)
            #expect(manager.pool.runningCount == 0)
        }
    }
}

@Suite struct TableNameRejectionTests {
    @Test(arguments: Backend.allCases)
    func invalidTableNamesAreRejectedBeforeAnySQL(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            for bad in ["", "tasks; DROP TABLE x", "t`x", String(repeating: "t", count: 65), "a'b", "a b"] {
                #expect(throws: GTAError.invalidTableName) { _ = try TaskManager(db: db, table: bad) }
                await #expect(throws: GTAError.invalidTableName) { try await TaskTable.create(named: bad, on: db) }
            }
            // The table the test made is still there and untouched.
            let rows = try await table.count()
            #expect(rows == 0)
        }
    }
}

@Suite struct CommitHookMeetsAScanTests {
    @Test(arguments: Backend.allCases)
    func aClaimInFlightDoesNotPushTheCommitHookToTheScanner(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withPoolSize(2)))
            let gate = Gate()
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in ran.append(n); await gate.wait() })
            let pool = manager.pool
            // A scan holds both free slots while its claim is in flight...
            #expect(pool.reserveForClaim(upTo: 10) == 2)
            // ...a task created meanwhile takes one of them and runs at its commit...
            try await manager.run("k", 1)
            try await eventually("the commit hook's task to start") { ran.all == [1] }
            #expect(try await table.userStatuses() == [.running])
            // ...and the claim, which found two rows, keeps one and must give the other back.
            #expect(pool.settleClaim(reserved: 2, claimed: 2) == 1)
            #expect(pool.freeSlots == 0)
            #expect(!pool.reserveOne())
            pool.release(1)  // the kept (simulated) row's slot
            gate.open()
            try await eventually("the task to succeed") { try await table.userStatuses() == [.succeeded] }
            try await eventually("its slot to be free again") { pool.freeSlots == 2 }
        }
    }
}
