import Foundation
import GTA
import GTAOperations
import Testing

@Suite struct StatsAndListTests {
    @Test(arguments: Backend.allCases)
    func aDelayedRowWaitsFromItsTimeInTheQueueLag(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let early = try await table.insert("later", .initialized, age: 600)
            let due = try await table.insert("due", .initialized, age: 600)
            try await db.execute("UPDATE \(table.quoted) SET run_at = ? WHERE id = ?", [.date(Date().addingTimeInterval(3600)), .uint(early)])
            try await db.execute("UPDATE \(table.quoted) SET run_at = ? WHERE id = ?", [.date(Date().addingTimeInterval(-60)), .uint(due)])
            let now = Date()
            let stats = try await TaskOperations(db: db, table: table.name).stats(now: now)
            let later = try #require(stats.keys.first { $0.key == "later" })
            #expect(later[.initialized] == 1 && later.queueLag(at: now) == nil)  // not due: not waiting
            let lag = try #require(stats.keys.first { $0.key == "due" }?.queueLag(at: now))
            #expect(lag >= .seconds(59) && lag <= .seconds(75))  // since its run_at, not its updated_at
        }
    }

    @Test(arguments: Backend.allCases)
    func statsCountLagStuckRowsAndInstances(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // The oldest row is made 300 s old when it is inserted; its lag grows by however long
            // the inserts below take (seconds on a loaded Galera node).
            let inserted = Date()
            try await table.insert("mail", .initialized, age: 300)
            try await table.insert("mail", .initialized, age: 10)
            try await table.insert("mail", .succeeded)
            try await table.insert("mail", .failed, extra: #"{"attempts":3,"last_error":"boom"}"#)
            try await table.insert("mail", .running, age: 2, extra: lease("p1-aaaa"))
            try await table.insert("mail", .running, age: 120, extra: lease("p2-bbbb"))  // expired lease
            try await table.insert("crm", .running, age: 3600)  // a Go row, past the running timeout
            try await table.insert("crm", .running, age: 60)  // a Go row, still within it
            try await table.insert("odd", "paused")
            try await table.insert("builtin:clean_up", .succeeded, id: 9999)
            let ops = try TaskOperations(db: db, table: table.name)
            let now = Date()
            let stats = try await ops.stats(now: now)
            #expect(stats.keys.map(\.key) == ["crm", "mail", "odd"])
            let mail = try #require(stats.keys.first { $0.key == "mail" })
            #expect(mail[.initialized] == 2 && mail[.running] == 2 && mail[.succeeded] == 1 && mail[.failed] == 1)
            #expect(mail.total == 6)
            let lag = try #require(mail.queueLag(at: now))
            let since = Duration.milliseconds(Int64((now.timeIntervalSince(inserted) * 1000).rounded(.up)))
            #expect(lag >= .seconds(299) && lag <= .seconds(301) + since)
            #expect(mail.expiredLeases == 1 && mail.overdue == 0 && mail.stuck == 1)
            let crm = try #require(stats.keys.first { $0.key == "crm" })
            #expect(crm.expiredLeases == 0 && crm.overdue == 1 && crm.queueLag(at: now) == nil)
            #expect(stats.keys.first { $0.key == "odd" }?["paused"] == 1)
            #expect(stats.statuses == [.initialized, .running, .succeeded, .failed, "paused"])
            #expect(stats.instances.map(\.owner) == ["p1-aaaa", "p2-bbbb"])
            #expect(stats.instances.map(\.expired) == [0, 1])
            #expect(stats.total(.running) == 4)
        }
    }

    @Test(arguments: Backend.allCases)
    func throughputCountsFinishedRowsPerMinute(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let now = Date()
            let minute = (now.timeIntervalSince1970 / 60).rounded(.down) * 60
            // Two minutes back, one minute back, and long ago (outside the window).
            let twoAgo = now.timeIntervalSince1970 - (minute - 120 + 5)
            for _ in 0..<3 { try await table.insert("k", .succeeded, age: twoAgo) }
            try await table.insert("k", .failed, age: twoAgo)
            try await table.insert("k", .succeeded, age: now.timeIntervalSince1970 - (minute - 60 + 1))
            try await table.insert("k", .succeeded, age: 3 * 3600)
            try await table.insert("k", .initialized, age: twoAgo)
            let ops = try TaskOperations(db: db, table: table.name)
            let buckets = try await ops.throughput(minutes: 5, now: now)
            #expect(buckets.count == 5)
            #expect(buckets.last?.minute == Date(timeIntervalSince1970: minute))
            #expect(buckets.map(\.succeeded) == [0, 0, 3, 1, 0])
            #expect(buckets.map(\.failed) == [0, 0, 1, 0, 0])
            await #expect(throws: OperationsError.invalidArgument) { try await ops.throughput(minutes: 0) }
        }
    }

    @Test(arguments: Backend.allCases)
    func listFiltersAndPagesById(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            var failed: [UInt64] = []
            for i in 0..<7 { failed.append(try await table.insert("mail", .failed, argument: "\(i)", age: Double(i) * 100)) }
            try await table.insert("crm", .failed)
            try await table.insert("mail", .succeeded)
            try await table.insert("builtin:check_abnormal_task", .failed, id: 10000)
            let ops = try TaskOperations(db: db, table: table.name)
            let filter = TaskFilter(status: .failed, key: "mail")
            let first = try await ops.list(filter, limit: 3)
            #expect(first.records.map(\.id) == Array(failed.prefix(3)))
            #expect(first.nextAfter == failed[2])
            let second = try await ops.list(filter, after: first.nextAfter, limit: 3)
            #expect(second.records.map(\.id) == Array(failed[3..<6]))
            let last = try await ops.list(filter, after: second.nextAfter, limit: 3)
            #expect(last.records.map(\.id) == [failed[6]] && last.nextAfter == nil)
            // Older than 250 s: rows 3...6.
            let old = try await ops.list(TaskFilter(status: .failed, olderThan: .seconds(250)), limit: 50)
            #expect(old.records.map(\.id) == Array(failed[3...]))
            // Built-in rows only when asked for.
            #expect(try await ops.count(TaskFilter(status: .failed)) == 8)
            #expect(try await ops.count(TaskFilter(status: .failed, includeBuiltin: true)) == 9)
            #expect(try await ops.count(TaskFilter(key: "builtin:check_abnormal_task")) == 1)
            await #expect(throws: OperationsError.invalidArgument) { try await ops.list(limit: 0) }
        }
    }

    @Test(arguments: Backend.allCases)
    func stuckFilterTakesExpiredLeasesAndOverdueGoRows(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let live = try await table.insert("k", .running, age: 1, extra: lease("p1-live"))
            let expired = try await table.insert("k", .running, age: 90, extra: lease("p2-dead"))
            let goOld = try await table.insert("k", .running, age: 4000)
            let goYoung = try await table.insert("k", .running, age: 100)
            let ops = try TaskOperations(db: db, table: table.name, leaseExpiry: .seconds(40), runningTimeout: .seconds(3600))
            let stuck = try await ops.list(TaskFilter(status: .running, stuck: true))
            #expect(stuck.records.map(\.id) == [expired, goOld])
            let all = try await ops.list(TaskFilter(status: .running)).records
            #expect(all.map(\.id) == [live, expired, goOld, goYoung])
            #expect(all.map { ops.isStuck($0) } == [false, true, true, false])
        }
    }

    @Test(arguments: Backend.allCases)
    func showReadsArgumentContextAndWhatExtraKeeps(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let failed = try await table.insert(
                "mail", .failed, argument: #"{"to":"<script>alert(1)</script>","n":18446744073709551615}"#, context: #"{"trace":"abc"}"#,
                age: 30, created: 90, extra: #"{"runs":2,"attempts":6,"lost":1,"last_error":"smtp: 550"}"#)
            let running = try await table.insert("mail", .running, age: 5, extra: lease("p9-cafe", runs: 1))
            let ops = try TaskOperations(db: db, table: table.name)
            let detail = try await ops.show(id: failed)
            #expect(detail.record.taskStatus == .failed && detail.lease == nil && !detail.stuck && !detail.isBuiltin)
            #expect(detail.record.extra == TaskExtra(runs: 2, attempts: 6, lost: 1, lastError: "smtp: 550"))
            #expect(detail.prettyArgument == "{\n  \"to\": \"<script>alert(1)</script>\",\n  \"n\": 18446744073709551615\n}")
            #expect(detail.prettyContext == "{\n  \"trace\": \"abc\"\n}")
            #expect(detail.record.updatedAt.timeIntervalSince(detail.record.createdAt) >= 59)
            let leased = try await ops.show(id: running)
            let l = try #require(leased.lease)
            #expect(l.owner == "p9-cafe" && !l.expired && l.expiresAt.timeIntervalSince(l.renewedAt) == 40)
            await #expect(throws: OperationsError.notFound) { try await ops.show(id: 1) }
        }
    }

    @Test(arguments: Backend.allCases)
    func aMissingTableIsOneClearError(_ backend: Backend) async throws {
        try await withTable(backend, create: false) { db, table in
            let ops = try TaskOperations(db: db, table: table.name)
            await #expect(throws: OperationsError.tableMissing) { try await ops.requireTaskTable() }
            try await db.execute("CREATE TABLE \(table.quoted) (id INTEGER PRIMARY KEY, name VARCHAR(10))", [])
            do {
                try await ops.requireTaskTable()
                Issue.record("a table without task columns passed")
            } catch let error as OperationsError {
                #expect(error.code == .notATaskTable)
                #expect(error.message.contains("task_key") && error.message.contains("updated_at"))
            }
            #expect(throws: GTAError.invalidTableName) { try TaskOperations(db: db, table: "tasks; DROP TABLE x") }
        }
    }
}
