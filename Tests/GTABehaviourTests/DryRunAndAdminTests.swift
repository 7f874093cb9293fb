import Foundation
import Testing

@testable import GTA

/// SPEC 3, "Dry run" and "Manual operations".
@Suite struct DryRunAndAdminTests {
    @Test(arguments: Backend.allCases)
    func dryRunReadsAndWritesNoRow(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // A table that does not exist: any read or write of it would fail.
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: "no_such_table_dry_run", options: fastOptions(logger, .withDryRun(true)))
            let seen = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in seen.append(n) })
            manager.start()
            try await manager.transaction { tx in
                try await tx.execute("INSERT INTO \(table.quoted) (task_key, task_status) VALUES ('business', 'x')", [])
                try await manager.runWithTx(tx, "k", 1)
                #expect(seen.count == 0)  // not before the commit
            }
            try await eventually("the wrapper's task to run") { seen.all == [1] }
            // Outside the wrapper: runs after a short delay, with a warning.
            try await db.transaction { tx in try await manager.runWithTx(tx, "k", 2) }
            #expect(logger.contains("WARN", "dry run"))
            try await eventually("the plain transaction's task to run") { seen.count == 2 }
            // run() works too, and a rolled-back wrapper runs nothing.
            try await manager.run("k", 3)
            struct Abort: Error {}
            _ = try? await manager.transaction { tx in try await manager.runWithTx(tx, "k", 4); throw Abort() }
            try await eventually("run's task") { seen.count == 3 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(Set(seen.all) == [1, 2, 3])
            #expect(try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0).isEmpty)
            #expect(try await manager.forceRerunTasks([1], status: .failed) == 0)
            await manager.stop(wait: true)
            // The business row committed; no task row anywhere.
            #expect(try await db.query("SELECT task_key FROM \(table.quoted)", []).count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func forceRerunMovesRowsBackToInitialized(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(handler: { _, _ in ran.append(1) }))
            let failed1 = try await table.insert(key: "k", status: .failed, argument: "1")
            let failed2 = try await table.insert(key: "k", status: .failed, argument: "2")
            let succeeded = try await table.insert(key: "k", status: .succeeded, argument: "3")
            let moved = try await manager.forceRerunTasks([failed1, failed2, succeeded], status: .failed)
            #expect(moved == 2)
            let statuses = try await table.statuses()
            #expect(statuses[failed1] == .initialized && statuses[failed2] == .initialized && statuses[succeeded] == .succeeded)
            manager.start()
            try await eventually("the re-run tasks to succeed") { try await table.count(.succeeded) == 3 }
            #expect(ran.count == 2)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func queryUnsuccessfulTasksPagesAndSkipsBuiltins(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try await table.insert(key: "builtin:clean_up", status: .failed, argument: "{}", id: 9999)
            try await table.insert(key: "builtin:check_abnormal_task", status: .running, argument: "{}", id: 10000)
            var expected: [UInt64] = []
            for (i, status) in [TaskStatus.failed, .succeeded, .initialized, .running, .succeeded, .failed].enumerated() {
                let id = try await table.insert(key: "k", status: status, argument: "\(i)")
                if status != .succeeded { expected.append(id) }
            }
            let first = try await manager.queryUnsuccessfulTasks(limit: 3, offset: 0)
            let second = try await manager.queryUnsuccessfulTasks(limit: 3, offset: 3)
            #expect(first.map(\.id) == Array(expected.prefix(3)))
            #expect(second.map(\.id) == Array(expected.dropFirst(3)))
            #expect(first[0].taskStatus == .failed && first[0].argumentText == "0" && first[0].taskKey == "k")
            await #expect(throws: GTAError.optionInvalid) { try await manager.queryUnsuccessfulTasks(limit: -1, offset: 0) }
        }
    }
}
