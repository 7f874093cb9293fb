import Foundation
import GTA
import GTAOperations
import Testing

/// Periodic tasks' schedules as the admin operations list them.
@Suite struct ScheduleListingTests {
    @Test(arguments: Backend.allCases)
    func statsListTheSchedulesARunningManagerKeeps(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, .withScanInterval(.milliseconds(200)))
            try manager.register("tick", TaskDefinition { _, _ in }.schedule(.every(.seconds(1))))
            try manager.register("nightly", TaskDefinition { _, _ in }.schedule(.cron("0 0 2 * * *")))
            manager.start()
            let ops = try TaskOperations(db: db, table: table.name)
            try await waitFor { try await ops.schedules().first { $0.key == "tick" }?.lastTaskID != nil }
            await manager.stop(wait: true)
            let stats = try await ops.stats()
            #expect(stats.schedules.map(\.key) == ["nightly", "tick"])
            let nightly = stats.schedules[0], tick = stats.schedules[1]
            #expect(nightly.schedule == "0 0 2 * * *" && nightly.lastDue == nil && nightly.lastTaskID == nil)
            #expect(nightly.nextDue == Schedule.cron("0 0 2 * * *").nextDue(after: Date()))
            #expect(tick.schedule == "every 1s")
            let lastDue = try #require(tick.lastDue)
            #expect(tick.nextDue == lastDue.addingTimeInterval(1))
            // The last task is a row of the key, created at its due time.
            let detail = try await ops.show(id: try #require(tick.lastTaskID))
            #expect(detail.record.taskKey == "tick" && detail.record.createdAt == lastDue)
        }
    }

    @Test(arguments: Backend.allCases)
    func aTableWithoutSchedulesListsNone(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let ops = try TaskOperations(db: db, table: table.name)
            try await db.execute("DROP TABLE \(ops.scheduleTable.quoted(for: db.dialect))", [])
            try await table.insert("mail", .initialized)
            let stats = try await ops.stats()
            #expect(stats.schedules.isEmpty && stats.keys.map(\.key) == ["mail"])
            #expect(try await ops.schedules().isEmpty)
        }
    }
}

private func waitFor(_ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out")
}
