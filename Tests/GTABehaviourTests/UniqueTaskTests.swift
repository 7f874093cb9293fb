import Foundation
import Testing

@testable import GTA

/// Issue 13, unique tasks: the table's unique index refuses a second waiting or running task
/// with the same key, across instances; a final status, whoever writes it, frees the key.
@Suite struct UniqueTaskTests {
    /// A manager whose "u" handler waits for `gate`, so its first task stays `running`.
    func gatedManager(_ db: any GTADatabase, _ table: TestTable, _ gate: Gate, _ ran: Recorder<UInt64>) throws -> TaskManager {
        let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
        try manager.register("u", TaskDefinition { info, _, _ in
            ran.append(info.id)
            await gate.wait()
        })
        return manager
    }

    @Test(arguments: Backend.allCases)
    func aSecondTaskWithTheKeyIsRefusedOrGetsTheFirstsID(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let gate = Gate(), ran = Recorder<UInt64>()
            let manager = try gatedManager(db, table, gate, ran)
            manager.start()
            let first = try await manager.run("u", 1, options: .unique("order-42"))
            try await eventually("the first task to run") { ran.all == [first] }
            do {
                try await manager.run("u", 2, options: .unique("order-42"))
                Issue.record("a duplicate unique key was accepted")
            } catch let error as GTAError {
                #expect(error.code == .duplicateUniqueKey)
                #expect(error.message.contains("'order-42'") && error.message.contains("task \(first)"))
            }
            #expect(try await manager.run("u", 3, options: .unique("order-42", onDuplicate: .returnExisting)) == first)
            // Another key, and the same key under another task key, are other tasks.
            let other = try await manager.run("u", 4, options: .unique("order-43"))
            #expect(other != first)
            #expect(try await table.count() == 2)
            gate.open()
            try await eventually("both to succeed") { try await table.count(.succeeded) == 2 }
            // Finished: the key is free.
            let again = try await manager.run("u", 5, options: .unique("order-42"))
            #expect(again != first)
            try await eventually("the new one to succeed") { try await table.count(.succeeded) == 3 }
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aDefinitionGivesTheKey(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            var single = TaskDefinition { _, _ in }
            single.unique = .perKey(onDuplicate: .returnExisting)
            try manager.register("single", single)
            var perOrder = TaskDefinition { _, _ in }
            perOrder.unique = .byArgument { $0?["order"]?.description }
            try manager.register("per_order", perOrder)
            // Not started and delayed: the rows wait.
            let later = RunOptions.after(.seconds(3600))
            let a = try await manager.run("single", ["x": 1], options: later)
            #expect(try await manager.run("single", ["x": 2], options: later) == a)
            let b = try await manager.run("per_order", ["order": 7], options: later)
            await #expect(throws: GTAError.duplicateUniqueKey) { try await manager.run("per_order", ["order": 7], options: later) }
            let c = try await manager.run("per_order", ["order": 8], options: later)
            // A nil key: not unique.
            try await manager.run("per_order", ["other": 1], options: later)
            try await manager.run("per_order", ["other": 1], options: later)
            #expect(Set([a, b, c]).count == 3)
            #expect(try await table.count(.initialized) == 5)
            // A call's key replaces the definition's.
            let d = try await manager.run("per_order", ["order": 7], options: RunOptions(delay: .seconds(3600), uniqueKey: "mine"))
            #expect(d != b)
            // A batch applies the definition's key to each task.
            await #expect(throws: GTAError.duplicateUniqueKey) {
                try await manager.transaction { tx in try await manager.runBatchWithTx(tx, "per_order", [["order": 9], ["order": 9]]) }
            }
            await #expect(throws: GTAError.optionInvalid) {
                try await manager.transaction { tx in try await manager.runBatchWithTx(tx, "per_order", [1], options: .unique("x")) }
            }
            #expect(try await table.count() == 6)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRefusedKeyLeavesTheCallersTransactionGoing(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try manager.register("k", TaskDefinition { _, _ in })
            let later = RunOptions(delay: .seconds(3600), uniqueKey: "held")
            let holder = try await manager.run("k", 0, options: later)
            // The manager's transaction: the duplicate is caught, the rest commits.
            let (before, after, existing) = try await manager.transaction { tx in
                let before = try await manager.runWithTx(tx, "k", 1, options: .after(.seconds(3600)))
                await #expect(throws: GTAError.duplicateUniqueKey) { try await manager.runWithTx(tx, "k", 2, options: later) }
                var returning = later
                returning.onDuplicate = .returnExisting
                let existing = try await manager.runWithTx(tx, "k", 3, options: returning)
                let after = try await manager.runWithTx(tx, "k", 4, options: .after(.seconds(3600)))
                return (before, after, existing)
            }
            #expect(existing == holder)
            // An application's transaction, with its own row in the task table as a business row.
            let own = try await db.transaction { tx in
                let own = try await manager.runWithTx(tx, "k", 5, options: RunOptions(delay: .seconds(3600), uniqueKey: "own"))
                await #expect(throws: GTAError.duplicateUniqueKey) { try await manager.runWithTx(tx, "k", 6, options: later) }
                // The key it holds itself, uncommitted, is found too.
                var returning = RunOptions(delay: .seconds(3600), uniqueKey: "own")
                returning.onDuplicate = .returnExisting
                #expect(try await manager.runWithTx(tx, "k", 7, options: returning) == own)
                return own
            }
            let statuses = try await table.statuses()
            #expect(Set(statuses.keys) == [holder, before, after, own])
        }
    }

    @Test(arguments: Backend.allCases)
    func twoManagersRacingOnOneKeyGetOneRow(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let gate = Gate(), ran = Recorder<UInt64>()
            let other = try await table.anotherDatabase(backend)
            let managers = [try gatedManager(db, table, gate, ran), try gatedManager(other, table, gate, ran)]
            for manager in managers { manager.start() }
            // Many concurrent creations of one key, half on each instance, half of them asking
            // for the existing id: exactly one row, and every caller names it.
            let outcomes = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                for i in 0..<40 {
                    let manager = managers[i % 2]
                    group.addTask {
                        let returning = i % 4 < 2
                        do {
                            return try await manager.run("u", i, options: .unique("race", onDuplicate: returning ? .returnExisting : .fail))
                        } catch GTAError.duplicateUniqueKey {
                            #expect(!returning)
                            return nil
                        }
                    }
                }
                var all: [UInt64?] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            let ids = Set(outcomes.compactMap { $0 })
            #expect(ids.count == 1)
            #expect(try await table.count() == 1)
            try await eventually("the one task to run") { ran.count == 1 }
            #expect(outcomes.filter { $0 == nil }.count >= 19)
            gate.open()
            for manager in managers { await manager.stop(wait: true) }
            await close(other)
            #expect(try await table.count(.succeeded) == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aFinalStatusWrittenByAGoInstanceFreesTheKey(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try manager.register("k", TaskDefinition { _, _ in })
            let options = RunOptions(delay: .seconds(3600), uniqueKey: "g")
            let first = try await manager.run("k", 1, options: options)
            await #expect(throws: GTAError.duplicateUniqueKey) { try await manager.run("k", 2, options: options) }
            try await table.goUpdate(first, to: .running)
            await #expect(throws: GTAError.duplicateUniqueKey) { try await manager.run("k", 2, options: options) }
            try await table.goUpdate(first, to: .succeeded)
            let second = try await manager.run("k", 3, options: options)
            try await table.goUpdate(second, to: .failed)
            let third = try await manager.run("k", 4, options: options)
            #expect(Set([first, second, third]).count == 3)
            // Back to waiting by an operator while another holds the key: refused by the index.
            await #expect(throws: (any Error).self) { _ = try await manager.forceRerunTasks([second], status: .failed) }
            #expect(try await table.status(second) == .failed)
        }
    }
}
