import Foundation
import Testing

@testable import GTA

/// Issue 13, delayed tasks and persisted retries: a row waits `initialized` until its time, on
/// every path (the scanner, the commit hook, another transaction), and a persisted retry keeps its
/// interval across a restart.
@Suite struct DelayedTaskTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "try failed" }
    }

    @Test(arguments: Backend.allCases)
    func aDelayedTaskWaitsUntilItIsDueThenRuns(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let seen = Recorder<Seen>()
            try manager.register("later", TaskDefinition { info, _, _ in seen.append(Seen(info: info, at: Date())) })
            manager.start()
            let asked = Date()
            let id = try await manager.run("later", nil, options: .after(.seconds(2)))
            let due = try #require(try await table.runAt(id))
            #expect(due >= asked.addingTimeInterval(2) && due < asked.addingTimeInterval(3.01))
            #expect(try await table.status(id) == .initialized)
            try await Task.sleep(for: .milliseconds(1200))
            // Five scans passed; if the machine is so slow that the due time has come too, the
            // run-time checks below still catch an early run.
            let (count, status) = (seen.count, try await table.status(id))
            if Date() < due {
                #expect(count == 0)
                #expect(status == .initialized)
            }
            try await eventually("the delayed task to run") { try await table.status(id) == .succeeded }
            let run = try #require(seen.all.first)
            #expect(run.at >= due)
            #expect(run.info.id == id && run.info.scheduledAt == due && run.info.createdAt < due)
            // An immediate task of the same manager: due since its creation.
            let now = try await manager.run("later", nil, options: .now)
            try await eventually("the immediate task to run") { seen.count == 2 }
            #expect(seen.all[1].info.id == now && seen.all[1].info.scheduledAt == seen.all[1].info.createdAt)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func theCommitHookDoesNotRunADelayedTask(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // No scan interval within the test: what runs came through the commit hook, or at its
            // time through the scanner's wake-up.
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let seen = Recorder<Seen>()
            try manager.register("k", TaskDefinition { info, _, _ in seen.append(Seen(info: info, at: Date())) })
            manager.start()
            try await Task.sleep(for: .milliseconds(300))  // the first scan is over
            let (delayed, immediate) = try await manager.transaction { tx in
                (try await manager.runWithTx(tx, "k", 1, options: .after(.seconds(2))), try await manager.runWithTx(tx, "k", 2, options: .now))
            }
            let other = try await db.transaction { tx in try await manager.runWithTx(tx, "k", 3, options: .after(.seconds(2))) }
            try await manager.transaction { tx in
                try await manager.runBatchWithTx(tx, "k", [4, 5], options: .after(.seconds(2)))
            }
            try await eventually("the immediate task to run by the hook") { seen.all.map(\.info.id) == [immediate] }
            try await Task.sleep(for: .milliseconds(1000))
            let (ran, delayedStatus, otherStatus, waiting) = (
                seen.all.map(\.info.id), try await table.status(delayed), try await table.status(other), try await table.count(.initialized)
            )
            if let due = try await table.runAt(delayed), Date() < due {  // else the machine is too slow to tell
                #expect(ran == [immediate])
                #expect(delayedStatus == .initialized)
                #expect(otherStatus == .initialized)
                #expect(waiting == 4)
            }
            // At their time the scanner wakes (its interval is an hour) and runs them, not before.
            try await eventually("the delayed tasks to run", timeout: .seconds(6)) { try await table.count(.succeeded) == 5 }
            for run in seen.all.dropFirst() {
                #expect(run.at >= run.info.scheduledAt)
                #expect(run.at < run.info.scheduledAt.addingTimeInterval(2))
            }
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aPersistedRetryWaitsItsIntervalAcrossARestart(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let seen = Recorder<Seen>()
            func definition(failing: Bool) -> TaskDefinition {
                var definition = TaskDefinition(retryTimes: 2, retryInterval: { _ in .seconds(2) }) { info, _, _ in
                    seen.append(Seen(info: info, at: Date()))
                    if failing { throw Failure() }
                }
                definition.persistRetries = true
                return definition
            }
            let first = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            try first.register("flaky", definition(failing: true))
            first.start()
            let id = try await first.run("flaky", nil, options: .now)
            try await eventually("the failed try to be written back") {
                let status = try await table.status(id)
                let attempts = try await table.extra(id).attempts
                return status == .initialized && attempts == 1
            }
            await first.stop(wait: false)  // the process goes away; nothing waits in memory
            let extra = try await table.extra(id)
            #expect(extra.owner == nil && extra.lastError == "try failed" && extra.runs == 1)
            let due = try #require(try await table.runAt(id))
            let failedAt = try #require(seen.all.first).at
            #expect(due >= failedAt.addingTimeInterval(2))
            #expect(seen.all.first?.info.attempt == 0)

            let second = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            try second.register("flaky", definition(failing: false))
            second.start()
            try await eventually("the retry to succeed") { try await table.status(id) == .succeeded }
            let retry = try #require(seen.all.last)
            #expect(seen.count == 2)
            #expect(retry.at >= due)
            #expect(retry.info.attempt == 1 && retry.info.previousAttempts == 1 && retry.info.runs == 2 && retry.info.scheduledAt == due)
            await second.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aPersistedRetryFailsAfterTheLastTry(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let tries = Recorder<Int>()
            var definition = TaskDefinition(retryTimes: 1, retryInterval: { _ in .milliseconds(10) }) { info, _, _ in
                tries.append(info.attempt)
                throw Failure()
            }
            definition.persistRetries = true
            try manager.register("bad", definition)
            manager.start()
            let id = try await manager.run("bad", nil, options: .now)
            try await eventually("the row to fail", timeout: .seconds(15)) { try await table.status(id) == .failed }
            #expect(tries.all == [0, 1])
            #expect(try await table.extra(id).attempts == 2)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func theQueueGaugesCountOnlyDueRows(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try manager.register("k", TaskDefinition { _, _ in })
            try await manager.run("k", 1, options: .after(.seconds(3600)))
            try await manager.run("k", 2, options: .after(.seconds(3600)))
            try await table.insert(key: "k", status: .initialized, age: 30)  // as Go writes it: due
            let waiting = try await manager.store.waiting(keys: ["k"], now: Date(), on: db)
            #expect(waiting["k"]?.count == 1)
            #expect((waiting["k"]?.oldest ?? .zero) >= .seconds(29))
        }
    }
}
