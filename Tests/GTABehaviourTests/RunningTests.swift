import Foundation
import Testing

@testable import GTA

/// SPEC 3, "Running a task": retries, the final status, clean-succeeded, optimistic changes,
/// undecodable rows.
@Suite struct RunningTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    @Test(arguments: Backend.allCases)
    func retriesWithTheIntervalThenSucceeds(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let tries = Recorder<ContinuousClock.Instant>()
            let asked = Recorder<Int>()
            try manager.register("flaky", TaskDefinition(
                retryTimes: 3,
                retryInterval: { attempt in asked.append(attempt); return .milliseconds(150) }
            ) { _, _ in
                tries.append(.now)
                if tries.count < 3 { throw Failure() }
            })
            manager.start()
            try await manager.run("flaky", 1)
            try await eventually("success on the third try") { try await table.userStatuses() == [.succeeded] }
            #expect(tries.count == 3)
            #expect(asked.all == [1, 2])
            let times = tries.all
            for i in 1..<times.count {
                #expect(times[i] - times[i - 1] >= .milliseconds(150))
            }
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func failsAfterTheLastRetryAndLogsIt(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(logger))
            let tries = Recorder<Int>()
            try manager.register("bad", TaskDefinition(retryTimes: 2, retryInterval: { _ in .milliseconds(10) }) { _, _ in
                tries.append(1)
                throw Failure()
            })
            manager.start()
            try await manager.run("bad", 1)
            try await eventually("the row to fail") { try await table.userStatuses() == [.failed] }
            #expect(tries.count == 3)
            #expect(logger.contains("WARN", "boom"))
            #expect(logger.contains("ERROR", "task failed"))
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func defaultRetryIntervalIsOneSecond(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let tries = Recorder<ContinuousClock.Instant>()
            try manager.register("once", TaskDefinition(retryTimes: 1) { _, _ in
                tries.append(.now)
                if tries.count == 1 { throw Failure() }
            })
            manager.start()
            try await manager.run("once", 1)
            try await eventually("the retry to succeed") { try await table.userStatuses() == [.succeeded] }
            let times = tries.all
            #expect(times.count == 2)
            #expect(times[1] - times[0] >= .milliseconds(990))
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func cleanSucceededDeletesTheRow(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let ran = Recorder<Int>()
            try manager.register("clean", TaskDefinition(cleanSucceeded: true) { _, _ in ran.append(1) })
            try manager.register("fails", TaskDefinition(cleanSucceeded: true) { _, _ in throw Failure() })
            manager.start()
            try await manager.run("clean", 1)
            try await manager.run("fails", 1)
            try await eventually("the clean row to go and the failed one to stay") {
                try await table.userStatuses() == [.failed]
            }
            #expect(ran.count == 1)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func losingTheOptimisticRaceIsReported(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(logger))
            let quoted = table.quoted
            try manager.register("moved", TaskDefinition(handler: { _, _ in
                // Someone else moves the row while the handler runs.
                try await db.execute("UPDATE \(quoted) SET task_status = 'failed' WHERE task_key = 'moved'", [])
            }))
            manager.start()
            try await manager.run("moved", 1)
            try await eventually("the lost race to be logged") { logger.contains("ERROR", "zero rows affected") }
            #expect(try await table.userStatuses() == [.failed])
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func corruptedArgumentFailsOnlyItsOwnTask(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            struct Order: Codable, Sendable { var id: Int64 }
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            let seen = Recorder<Int64>()
            try manager.register("order", TaskDefinition(argumentType: Order.self, retryTimes: 2) { _, order in seen.append(order.id) })
            let bad = try await table.insert(key: "order", status: .initialized, argument: "{not json")
            let wrongType = try await table.insert(key: "order", status: .initialized, argument: #"{"id":"seven"}"#)
            try await table.insert(key: "order", status: .initialized, argument: #"{"id":7}"#)
            manager.start()
            try await eventually("all three to finish") {
                let initialized = try await table.count(.initialized)
                let running = try await table.count(.running)
                return initialized == 0 && running == 0
            }
            let statuses = try await table.statuses()
            #expect(statuses[bad] == .failed)
            #expect(statuses[wrongType] == .failed)
            #expect(try await table.count(.succeeded) == 1)
            #expect(seen.all == [7])
            #expect(logger.contains("ERROR", "task \(bad) (order)"))
            #expect(logger.contains("ERROR", "does not decode as Order"))
            await manager.stop(wait: true)
        }
    }
}
