import Foundation
import Testing

@testable import GTA

/// SPEC 3, "Running a task": every status change is optimistic, also when the final writes of
/// tasks that end together go out in one statement.
@Suite struct StatusWriterTests {
    @Test(arguments: Backend.allCases)
    func batchedEndsReportExactlyTheRowsTheyDidNotMove(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(logger))
            var ids: [UInt64] = []
            for _ in 0..<24 { ids.append(try await table.insert(key: "k", status: .running, argument: "1", extra: manager.leaseExtra)) }
            // Someone else moves every fourth row while "its handler runs".
            let moved = Set(ids.enumerated().filter { $0.offset % 4 == 0 }.map(\.element))
            for id in moved {
                try await db.execute("UPDATE \(table.quoted) SET task_status = 'failed' WHERE id = ?", [.uint(id)])
            }
            // All end at once: the first few writes go alone, the rest queue up and share statements.
            let writer = manager.statusWriter
            let written = Recorder<UInt64>()
            await withTaskGroup(of: Void.self) { group in
                for id in ids {
                    group.addTask {
                        await writer.write(id: id, key: "k", outcome: .succeeded)
                        written.append(id)
                    }
                }
            }
            #expect(Set(written.all) == Set(ids))
            let statuses = try await table.statuses()
            for id in ids {
                #expect(statuses[id] == (moved.contains(id) ? .failed : .succeeded))
            }
            let reported = logger.all.filter { $0.hasPrefix("ERROR") && $0.contains("zero rows affected") }
            #expect(reported.count == moved.count)
            for id in moved {
                #expect(reported.contains { $0.contains("task.id=\(id) ") })
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func batchedDeletesReportTheRowsTheyLeft(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(logger))
            var ids: [UInt64] = []
            for _ in 0..<12 { ids.append(try await table.insert(key: "k", status: .running, argument: "1", extra: manager.leaseExtra)) }
            let moved = [ids[3], ids[7]]
            for id in moved {
                try await db.execute("UPDATE \(table.quoted) SET task_status = 'initialized' WHERE id = ?", [.uint(id)])
            }
            let writer = manager.statusWriter
            await withTaskGroup(of: Void.self) { group in
                for id in ids { group.addTask { await writer.write(id: id, key: "k", outcome: .delete) } }
            }
            #expect(Set(try await table.statuses().keys.filter { ids.contains($0) }) == Set(moved))
            let reported = logger.all.filter { $0.hasPrefix("ERROR") && $0.contains("zero rows affected") }
            #expect(reported.count == moved.count)
        }
    }
}
