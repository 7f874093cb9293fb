import Foundation
import Testing

@testable import GTA

/// SPEC 3, "Built-in tasks".
@Suite struct BuiltinTests {
    @Test(arguments: Backend.allCases)
    func builtinRowsAreCreatedWithGoArguments(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(
                db: db, table: table.name,
                options: [
                    .withLoggerFactory(RecordingLogger().factory), .withStorageTimeout(.seconds(3600)),
                    .withInitializedTimeout(.seconds(120)), .withRunningTimeout(.seconds(300)), .withScanInterval(.seconds(1)),
                ])
            manager.start()
            try await eventually("both built-in rows") { try await table.statuses().count == 2 }
            let clean = try #require(try await table.row(9999))
            let check = try #require(try await table.row(10000))
            #expect(try clean.decode(String.self, "task_key") == "builtin:clean_up")
            #expect(try check.decode(String.self, "task_key") == "builtin:check_abnormal_task")
            #expect(try clean.decode(String.self, "argument") == #"{"storage_timeout":3600000000000}"#)
            #expect(
                try check.decode(String.self, "argument")
                    == #"{"storage_timeout":3600000000000,"running_timeout":300000000000,"initialized_timeout":120000000000}"#)
            // Written as the Go original writes it; once this instance runs it, it carries its lease.
            let extra = try clean.decode(String.self, "extra")
            #expect(extra == "{}" || TaskExtra.read(Array(extra.utf8)).owner == manager.owner.id)
            try await eventually("the built-in tasks to run") {
                let s = try await table.statuses()
                return s[9999] == .succeeded && s[10000] == .succeeded
            }
            #expect(try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0).isEmpty)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func finishedBuiltinRowsAreRearmedNotDuplicated(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // An old succeeded clean-up row and a check row stuck running, as another instance left them.
            try await table.insert(key: "builtin:clean_up", status: .succeeded, argument: #"{"storage_timeout":1}"#, age: 7200, id: 9999)
            try await table.insert(key: "builtin:check_abnormal_task", status: .running, argument: "{}", age: 7200, id: 10000)
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            manager.start()
            try await eventually("both rows re-armed and run") {
                let rows = try await db.query("SELECT id, task_status, argument FROM \(table.quoted) ORDER BY id", [])
                guard rows.count == 2 else { return false }
                return try rows.allSatisfy { try $0.decode(String.self, "task_status") == "succeeded" }
                    && (try rows[0].decode(String.self, "argument")) == #"{"storage_timeout":3600000000000}"#
            }
            #expect(try await table.statuses().count == 2)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aUserTaskHoldingId10000IsNeverOverwritten(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // The Go schema starts auto ids at 10000: a user task may hold the check's id.
            try await table.insert(key: "user_key", status: .succeeded, argument: #"{"keep":true}"#, age: 86400, id: 10000)
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            manager.start()
            try await eventually("the skip to be reported") { logger.contains("ERROR", "a user task holds the built-in row's id") && logger.contains("ERROR", "task.id=10000 task.key=user_key") }
            let row = try #require(try await table.row(10000))
            #expect(try row.decode(String.self, "task_key") == "user_key")
            #expect(try row.decode(String.self, "argument") == #"{"keep":true}"#)
            #expect(try row.decode(String.self, "task_status") == "succeeded")
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func abnormalCheckReportsStuckRowsOnly(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let reported = Recorder<[UInt64]>()
            let manager = try abnormalCheckManager(db, table, reported)
            let stuckRunning = try await table.insert(key: "other", status: .running, argument: "{}", age: 60)
            let stuckInitialized = try await table.insert(key: "other", status: .initialized, argument: "{}", age: 60)
            try await table.insert(key: "other", status: .running, argument: "{}", age: 1)  // young
            try await table.insert(key: "other", status: .failed, argument: "{}", age: 60)  // finished
            try await table.insert(key: "other", status: .running, argument: "{}", age: 7200)  // beyond storage
            manager.start()
            try await eventually("the check to report") { reported.count >= 1 }
            #expect(reported.all[0] == [stuckRunning, stuckInitialized])
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func defaultCheckCallbackLogsTheTasks(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(
                db: db, table: table.name,
                options: [
                    .withLoggerFactory(logger.factory), .withInitializedTimeout(.seconds(4)), .withRunningTimeout(.seconds(4)),
                    .withScanInterval(.seconds(1)),
                ])
            let stuck = try await table.insert(key: "other", status: .running, argument: "{}", age: 60)
            manager.start()
            try await eventually("the log lines") { logger.contains("WARN", "task.id=\(stuck) task.key=other task.status=running") }
            #expect(logger.contains("WARN", "abnormal tasks found count=1"))
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func cleanUpDeletesOldSucceededRowsOnly(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let old = try await table.insert(key: "other", status: .succeeded, argument: "{}", age: 120)
            let young = try await table.insert(key: "other", status: .succeeded, argument: "{}", age: 1)
            let oldFailed = try await table.insert(key: "other", status: .failed, argument: "{}", age: 120)
            let manager = try TaskManager(
                db: db, table: table.name,
                options: [
                    .withLoggerFactory(RecordingLogger().factory), .withStorageTimeout(.seconds(60)),
                    .withInitializedTimeout(.seconds(30)), .withRunningTimeout(.seconds(30)), .withScanInterval(.seconds(1)),
                    .withInstantScanInterval(.milliseconds(50)),
                ])
            manager.start()
            try await eventually("the old succeeded row to go") { try await table.statuses()[old] == nil }
            let statuses = try await table.statuses()
            #expect(statuses[young] == .succeeded)
            #expect(statuses[oldFailed] == .failed)
            #expect(statuses[9999] != nil)
            await manager.stop(wait: true)
        }
    }
}
