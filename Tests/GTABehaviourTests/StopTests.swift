import Foundation
import Testing

@testable import GTA

/// SPEC 3, "Stopping".
@Suite struct StopTests {
    @Test(arguments: Backend.allCases)
    func stopWithWaitLetsRunningTasksFinish(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let started = Recorder<Int>()
            try manager.register("slow", TaskDefinition(handler: { _, _ in
                started.append(1)
                try await Task.sleep(for: .milliseconds(500))
            }))
            manager.start()
            try await manager.run("slow", 1)
            try await eventually("the task to start") { started.count == 1 }
            let before = ContinuousClock.now
            await manager.stop(wait: true)
            #expect(ContinuousClock.now - before >= .milliseconds(300))
            #expect(try await table.userStatuses() == [.succeeded])
            // Idempotent.
            await manager.stop(wait: true)
            await manager.stop(wait: false)
        }
    }

    @Test(arguments: Backend.allCases)
    func stopWithoutWaitHandsRunningTasksBack(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let started = Recorder<Int>()
            let cancelled = Recorder<Bool>()
            try manager.register("endless", TaskDefinition(handler: { _, _ in
                started.append(1)
                do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.append(true); throw error }
            }))
            manager.start()
            try await manager.run("endless", 1)
            try await manager.run("endless", 2)
            try await eventually("both to start") { started.count == 2 }
            let before = ContinuousClock.now
            await manager.stop(wait: false)
            #expect(ContinuousClock.now - before < .seconds(5))
            let afterStop = try await table.userStatuses()
            #expect(afterStop == [.initialized, .initialized])
            try await eventually("the handlers to be cancelled") { cancelled.count == 2 }
            // The cancelled handlers' own status change finds the row handed back.
            try await Task.sleep(for: .milliseconds(200))
            let later = try await table.userStatuses()
            #expect(later == [.initialized, .initialized])
        }
    }

    @Test(arguments: Backend.allCases)
    func stopHonoursTheWaitTimeout(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(
                db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withWaitTimeout(.milliseconds(400))))
            let started = Recorder<Int>()
            try manager.register("long", TaskDefinition(handler: { _, _ in
                started.append(1)
                try await Task.sleep(for: .seconds(30))
            }))
            manager.start()
            try await manager.run("long", 1)
            try await eventually("the task to start") { started.count == 1 }
            let before = ContinuousClock.now
            await manager.stop(wait: true)
            let took = ContinuousClock.now - before
            #expect(took >= .milliseconds(400))
            #expect(took < .seconds(5))
            #expect(try await table.userStatuses() == [.initialized])
        }
    }

    @Test(arguments: Backend.allCases)
    func anotherInstanceRunsWhatStopHandedBack(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let first = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try first.register("job", TaskDefinition(handler: { _, _ in try await Task.sleep(for: .seconds(30)) }))
            first.start()
            try await first.run("job", 1)
            try await eventually("the row to run") { try await table.userStatuses() == [.running] }
            await first.stop(wait: false)
            let second = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let ran = Recorder<Int>()
            try second.register("job", TaskDefinition(handler: { _, _ in ran.append(1) }))
            second.start()
            try await eventually("the second instance to run it") { try await table.userStatuses() == [.succeeded] }
            #expect(ran.count == 1)
            await second.stop(wait: true)
        }
    }
}
