import Foundation
@testable import GTA
import Testing

/// The manager as a swift-service-lifecycle `Service`, and the Go layer's forms of start and stop.
@Suite struct LifecycleTests {
    @Test(arguments: Backend.allCases)
    func aServiceGroupRunsAndGracefullyStopsTheManager(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger(), .withWaitTimeout(.seconds(5))))
            let gate = Gate()
            let finished = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in
                await gate.wait()
                finished.append(n)
            })
            // Created before the service runs: the scanner of the running service claims it.
            try await db.transaction { tx in try await manager.runWithTx(tx, "k", 1) }
            let group = ServiceGroup(services: [manager], logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await eventually("the scanner to claim the task") { try await table.count(.running) == 1 }
                #expect(manager.isStarted)
                // A graceful shutdown waits for the running task, then run() returns.
                await group.triggerGracefulShutdown()
                try await Task.sleep(for: .milliseconds(100))
                #expect(finished.count == 0)
                gate.open()
                try await tasks.waitForAll()
            }
            #expect(finished.all == [1])
            #expect(try await table.userStatuses() == [.succeeded])
            // A manager runs once.
            await #expect(throws: GTAError.unexpected) { try await manager.run() }
        }
    }

    @Test(arguments: Backend.allCases)
    func cancellingRunHandsRunningTasksBack(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let gate = Gate()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, _ in await gate.wait() })
            let running = Task { try await manager.run() }
            try await eventually("the manager to run") { manager.isStarted }
            try await manager.run("k", 1)
            #expect(try await table.userStatuses() == [.running])
            running.cancel()
            try await running.value
            #expect(try await table.userStatuses() == [.initialized])
            gate.open()
        }
    }

    @Test(arguments: Backend.allCases)
    func withStopStopsAfterTheBodyWhateverItDoes(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in
                try await Task.sleep(for: .milliseconds(200))
                ran.append(n)
            })
            manager.start()
            struct Failure: Error {}
            await #expect(throws: Failure.self) {
                try await manager.withStop(wait: true) {
                    try await manager.run("k", 7)
                    throw Failure()
                }
            }
            // Go's `defer m.Stop(true)`: the stop waited for the task.
            #expect(ran.all == [7])
            #expect(try await table.userStatuses() == [.succeeded])
        }
    }
}

/// The free function `run` inside a type with a `run` method of its own: `GTA.run` names it.
struct EnqueueService: Service {
    let key: TaskKey
    func run() async throws {
        try await GTA.run(key, 1)
    }
}
