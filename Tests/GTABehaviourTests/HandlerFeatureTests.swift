import Dispatch
import Foundation
import Testing

@testable import GTA

/// Issue 13, points 4 and 5: what a handler knows (``TaskInfo``), run timeouts, and cancelling
/// a waiting task.
@Suite struct HandlerFeatureTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    func extra(_ table: TestTable, _ id: UInt64) async throws -> TaskExtra {
        let row = try #require(try await table.row(id))
        return TaskExtra.read(try row.decode([UInt8]?.self, "extra"))
    }

    // MARK: What a handler knows

    @Test(arguments: Backend.allCases)
    func theHandlerSeesItsIdKeyAndAttempt(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let seen = Recorder<TaskInfo>()
            let current = Recorder<TaskInfo?>()
            try manager.register("typed", TaskDefinition(
                argumentType: Int.self, retryTimes: 2, retryInterval: { _ in .milliseconds(10) }
            ) { info, _, _ in
                seen.append(info)
                current.append(TaskInfo.current)
                if info.attempt < 2 { throw Failure() }
            })
            // A Go-shaped definition reads the same through the task-local value, also in a child task.
            let untyped = Recorder<TaskInfo?>()
            try manager.register("untyped", TaskDefinition { _, _ in
                async let child = TaskInfo.current
                untyped.append(await child)
            })
            let before = Date().addingTimeInterval(-2)
            manager.start()
            try await manager.run("typed", 7)
            try await manager.run("untyped", nil)
            try await eventually("both to succeed") { try await table.userStatuses() == [.succeeded, .succeeded] }
            // User rows only: the scanner may have run the built-in rows (9999, 10000) too.
            let ids = try await table.statuses().filter { $0.value == .succeeded && $0.key >= TaskTable.firstAutoID }.keys.sorted()
            let infos = seen.all
            #expect(infos.map(\.attempt) == [0, 1, 2])
            #expect(infos.allSatisfy { $0.id == ids[0] && $0.key == "typed" && $0.runs == 1 && $0.previousAttempts == 0 })
            #expect(infos.allSatisfy { $0.createdAt >= before && $0.createdAt <= Date().addingTimeInterval(2) })
            #expect(current.all == infos.map { Optional($0) })
            let other = try #require(untyped.all.first ?? nil)
            #expect(other.id == ids[1])
            #expect(other.key == "untyped")
            #expect(other.attempt == 0)
            #expect(TaskInfo.current == nil)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRowThatRanBeforeTellsItsEarlierRuns(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let seen = Recorder<TaskInfo>()
            try manager.register("k", TaskDefinition { info, _, _ in seen.append(info) })
            // A row that failed after three tries and was forced to run again; the scanner claims it.
            let inserted = Date()
            let id = try await table.insert(
                key: "k", status: .initialized, argument: "1", age: 30, extra: #"{"runs":1,"attempts":3,"last_error":"boom"}"#)
            manager.start()
            try await eventually("the rerun to succeed") { try await table.statuses()[id] == .succeeded }
            let info = try #require(seen.all.first)
            #expect(info.id == id)
            #expect(info.attempt == 0)
            #expect(info.runs == 2)
            #expect(info.previousAttempts == 3)
            // Created 30 s before the insert (not before now: the run may take seconds on a
            // loaded Galera node).
            #expect(abs(info.createdAt.timeIntervalSince(inserted) + 30) < 3)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aDryRunHandlerKnowsItsTaskAndCancelTasksChangesNothing(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // A table that does not exist: any read or write of it would fail.
            let manager = try TaskManager(
                db: db, table: "no_such_table_dry_run", options: fastOptions(RecordingLogger(), .withDryRun(true)))
            let seen = Recorder<TaskInfo>()
            try manager.register("k", TaskDefinition(argumentType: Int.self, runTimeout: .seconds(5)) { info, _, _ in seen.append(info) })
            manager.start()
            try await manager.run("k", 1)
            try await eventually("the dry-run task to run") { seen.count == 1 }
            let info = try #require(seen.all.first)
            #expect(info.key == "k")
            #expect(info.attempt == 0)
            #expect(info.runs == 0)
            #expect(try await manager.cancelTasks([info.id], reason: "dry") == 0)
            await manager.stop(wait: true)
        }
    }

    // MARK: Run timeouts

    @Test(arguments: Backend.allCases)
    func aTimeoutFailsEachTryThenTheTask(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(logger))
            let cancelled = Recorder<Int>()
            try manager.register("slow", TaskDefinition(
                retryTimes: 1, retryInterval: { _ in .milliseconds(10) }, runTimeout: .milliseconds(200)
            ) { info, _, _ in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled.append(info.attempt)
                    throw error
                }
            })
            manager.start()
            let started = ContinuousClock.now
            try await manager.run("slow", 1)
            try await eventually("the row to fail") { try await table.userStatuses() == [.failed] }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(cancelled.all == [0, 1])
            let task = try #require(try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0).first)
            #expect(task.extra.attempts == 2)
            let lastError = try #require(task.extra.lastError)
            #expect(lastError.hasPrefix("task timed out"))
            #expect(lastError.contains("run timeout of 200ms"))
            #expect(logger.contains("ERROR", "task failed"))
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRetryAfterATimeoutCanSucceed(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let tries = Recorder<Int>()
            try manager.register("flaky", TaskDefinition(
                argumentType: Int.self, retryTimes: 2, retryInterval: { _ in .milliseconds(10) }, runTimeout: .milliseconds(200)
            ) { info, _, _ in
                tries.append(info.attempt)
                if info.attempt == 0 { try await Task.sleep(for: .seconds(30)) }
            })
            manager.start()
            try await manager.run("flaky", 1)
            try await eventually("the retry to succeed") { try await table.userStatuses() == [.succeeded] }
            #expect(tries.all == [0, 1])
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aHandlerThatIgnoresCancellationRunsOnButFailsWithTheTimeout(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let returned = Recorder<Bool>()
            try manager.register("stubborn", TaskDefinition(runTimeout: .milliseconds(100)) { _, _, _ in
                // A wait that cancellation does not end.
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 0.8) { c.resume() }
                }
                returned.append(true)
            })
            manager.start()
            try await manager.run("stubborn", 1)
            try await Task.sleep(for: .milliseconds(400))
            // Past its timeout, the handler still runs, and so does its row.
            #expect(returned.count == 0)
            #expect(try await table.userStatuses() == [.running])
            try await eventually("the row to fail") { try await table.userStatuses() == [.failed] }
            #expect(returned.count == 1)
            let id = try #require(try await table.statuses().first { $0.value == .failed }?.key)
            #expect(try await extra(table, id).lastError?.hasPrefix("task timed out") == true)
            await manager.stop(wait: true)
        }
    }

    @Test func aRunTimeoutMustBePositive() throws {
        let registry = Registry()
        var definition = TaskDefinition { _, _ in }
        definition.runTimeout = .zero
        #expect(throws: GTAError.optionInvalid) { try registry.register("k", definition) }
        definition.runTimeout = .milliseconds(1)
        try registry.register("k", definition)
    }

    // MARK: Cancelling waiting tasks

    @Test(arguments: Backend.allCases)
    func cancelTasksMovesOnlyInitializedRowsAndRecordsTheReason(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let waiting = try await table.insert(key: "k", status: .initialized, argument: "1")
            let rescued = try await table.insert(
                key: "k", status: .initialized, argument: "2", extra: #"{"runs":1,"attempts":2,"lost":1}"#)
            let running = try await table.insert(
                key: "k", status: .running, argument: "3", extra: #"{"owner":"p1-00000000beef","runs":1}"#)
            let succeeded = try await table.insert(key: "k", status: .succeeded, argument: "4")
            let failed = try await table.insert(key: "k", status: .failed, argument: "5", extra: #"{"last_error":"boom"}"#)
            let moved = try await manager.cancelTasks(
                [waiting, rescued, running, succeeded, failed, waiting, 987_654_321], reason: "the customer withdrew")
            #expect(moved == 2)
            let statuses = try await table.statuses()
            #expect(statuses[waiting] == .failed)
            #expect(statuses[rescued] == .failed)
            #expect(statuses[running] == .running)
            #expect(statuses[succeeded] == .succeeded)
            #expect(statuses[failed] == .failed)
            #expect(try await extra(table, waiting) == TaskExtra(lastError: "cancelled: the customer withdrew"))
            #expect(try await extra(table, rescued) == TaskExtra(runs: 1, attempts: 2, lost: 1, lastError: "cancelled: the customer withdrew"))
            #expect(try await extra(table, running).owner == "p1-00000000beef")
            #expect(try await extra(table, failed).lastError == "boom")
            // Nothing is left to cancel a second time; an empty list changes nothing.
            #expect(try await manager.cancelTasks([waiting, rescued], reason: "again") == 0)
            #expect(try await manager.cancelTasks([], reason: "none") == 0)
            let listed = try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0)
            #expect(listed.first { $0.id == waiting }?.extra.lastError == "cancelled: the customer withdrew")
        }
    }

    @Test(arguments: Backend.allCases)
    func aCancelledRowIsNeverClaimed(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in ran.append(n) })
            // Written in a transaction of the caller's own: they wait for a scanner.
            try await db.transaction { tx in
                try await manager.runWithTx(tx, "k", 1)
                try await manager.runWithTx(tx, "k", 2)
            }
            let ids = try await table.statuses().keys.sorted()
            #expect(try await manager.cancelTasks([ids[0]], reason: "") == 1)
            #expect(try await extra(table, ids[0]).lastError == "cancelled")
            manager.start()
            try await eventually("the other row to run") { try await table.statuses()[ids[1]] == .succeeded }
            // Several scan intervals later, the cancelled row has not run.
            try await Task.sleep(for: .milliseconds(800))
            #expect(ran.all == [2])
            #expect(try await table.statuses()[ids[0]] == .failed)
            // Forced to run again, it does.
            #expect(try await manager.forceRerunTasks([ids[0]], status: .failed) == 1)
            try await eventually("the rerun to succeed") { try await table.statuses()[ids[0]] == .succeeded }
            #expect(ran.all == [2, 1])
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func cancelTasksLeavesBuiltinRowsAlone(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try await table.insert(key: "builtin:clean_up", status: .initialized, argument: "{}", id: 9999)
            #expect(try await manager.cancelTasks([9999], reason: "no") == 0)
            #expect(try await table.statuses()[9999] == .initialized)
        }
    }
}
