import Foundation
import Testing

@testable import GTA

/// Issue 13 on a table made by the Go original's `model.sql`: delayed and unique tasks say that
/// they need a migration, everything gta has works; after `TaskTable.migrate` the features work
/// and the Go rows still run.
@Suite struct FeatureMigrationTests {
    @Test(arguments: Backend.allCases)
    func theLibrarysTableHasEveryFeature(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let schema = try await TaskTableSchema.read(try TableName(table.name), on: db)
            #expect(schema.supports(.delayedTasks) && schema.supports(.uniqueTasks))
            #expect(try await TaskTable.migrate(named: table.name, on: db).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func aGoTableRefusesTheNewFeaturesAndRunsEverythingElse(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            try await table.recreateAsGoTable()
            let schema = try await TaskTableSchema.read(try TableName(table.name), on: db)
            #expect(schema.exists && !schema.hasRunAt && !schema.supports(.delayedTasks) && !schema.supports(.uniqueTasks))
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let seen = Recorder<TaskInfo>()
            try manager.register("k", TaskDefinition { info, _, _ in seen.append(info) })
            var retrying = TaskDefinition(retryTimes: 1) { _, _ in }
            retrying.persistRetries = true
            try manager.register("retrying", retrying)
            manager.start()
            for options in [RunOptions.after(.seconds(5)), .unique("x"), RunOptions(runAt: Date().addingTimeInterval(60), uniqueKey: "y")] {
                do {
                    try await manager.run("k", 1, options: options)
                    Issue.record("a feature the table lacks was accepted: \(options)")
                } catch let error as GTAError {
                    #expect(error.code == .featureNeedsMigration)
                    #expect(error.message.contains("gta migrate --table \(table.name)"))
                }
            }
            await #expect(throws: GTAError.featureNeedsMigration) { try await manager.run("retrying", 1) }
            // Inside a transaction the refusal writes nothing and the transaction goes on.
            let kept = try await manager.transaction { tx in
                await #expect(throws: GTAError.featureNeedsMigration) { try await manager.runWithTx(tx, "k", 2, options: .after(.seconds(5))) }
                return try await manager.runWithTx(tx, "k", 3, options: .now)
            }
            // gta's own paths: run, the commit hook, another transaction, a batch, a Go row for the scanner.
            try await manager.run("k", 4)
            try await db.transaction { tx in try await manager.runWithTx(tx, "k", 5) }
            try await manager.transaction { tx in try await manager.runBatchWithTx(tx, "k", [6, 7]) }
            let goRow = try await table.insert(key: "k", status: .initialized, argument: "8")
            try await eventually("every task to run") { try await table.count(.succeeded) == 6 }
            #expect(try await table.count() == 6)
            #expect(Set(seen.all.map(\.id)).isSuperset(of: [kept, goRow]))
            #expect(seen.all.allSatisfy { $0.scheduledAt == $0.createdAt })
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func migratingAGoTableEnablesTheFeatures(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            try await table.recreateAsGoTable()
            // A manager that started on the Go table, and a Go row waiting.
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let seen = Recorder<TaskInfo>()
            try manager.register("k", TaskDefinition { info, _, _ in seen.append(info) })
            manager.start()
            await #expect(throws: GTAError.featureNeedsMigration) { try await manager.run("k", 1, options: .after(.seconds(1))) }

            #expect(try await !ScheduleTable.exists(forTasks: TableName(table.name), on: db))
            let ran = try await TaskTable.migrate(named: table.name, on: db)
            #expect(!ran.isEmpty)
            #expect(try await ScheduleTable.exists(forTasks: TableName(table.name), on: db))  // periodic tasks too
            #expect(try await TaskTable.migrate(named: table.name, on: db).isEmpty)  // idempotent
            let schema = try await TaskTableSchema.read(try TableName(table.name), on: db)
            #expect(schema.supports(.delayedTasks) && schema.supports(.uniqueTasks))

            // A row as the Go original inserts it (no run_at, no unique_key): due at once.
            let goRow = try await table.insert(key: "k", status: .initialized, argument: "2")
            try await eventually("the Go row to run") { try await table.status(goRow) == .succeeded }
            // The features work without a restart (the refusal read the table again).
            let delayed = try await manager.run("k", 3, options: RunOptions(delay: .seconds(1), uniqueKey: "once"))
            #expect(try await manager.run("k", 4, options: RunOptions(uniqueKey: "once", onDuplicate: .returnExisting)) == delayed)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await table.status(delayed) == .initialized)
            try await eventually("the delayed task to run") { try await table.status(delayed) == .succeeded }
            #expect(seen.all.last?.scheduledAt == (try await table.runAt(delayed)))
            await manager.stop(wait: true)
        }
    }
}
