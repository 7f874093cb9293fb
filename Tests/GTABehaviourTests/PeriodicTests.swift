import Foundation
import Testing

@testable import GTA

/// Issue 13, point 3: periodic tasks, on every backend.
@Suite struct PeriodicTests {
    struct Tick: Codable, Sendable, Hashable { var n: Int }

    /// The schedules table of `table`, quoted.
    static func schedules(_ table: TestTable) -> String {
        ScheduleTable.name(forTasks: try! TableName(table.name)).quoted(for: table.db.dialect)
    }

    /// The `created_at` (the due time) and id of every row of `key`, in due order.
    static func dueRows(_ table: TestTable, _ key: String) async throws -> [(due: Int64, id: UInt64)] {
        try await table.db.query("SELECT id, created_at FROM \(table.quoted) WHERE task_key = ? ORDER BY created_at, id", [.string(key)])
            .map { (Int64(try $0.decode(Date.self, "created_at").timeIntervalSince1970.rounded()), try $0.decode(UInt64.self, "id")) }
    }

    static func scheduleRow(_ table: TestTable, _ key: String) async throws -> GTARow? {
        try await table.db.query("SELECT * FROM \(schedules(table)) WHERE task_key = ?", [.string(key)]).first
    }

    static func seconds(_ date: Date?) -> Int64? { date.map { Int64($0.timeIntervalSince1970.rounded()) } }

    @Test(arguments: Backend.allCases)
    func threeInstancesCreateExactlyOneTaskPerDueSecond(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let others = [try await table.anotherDatabase(backend), try await table.anotherDatabase(backend)]
            let runs = Recorder<(UInt64, Tick)>()
            let loggers = [RecordingLogger(), RecordingLogger(), RecordingLogger()]
            var managers: [TaskManager] = []
            for (index, database) in ([db] + others).enumerated() {
                let manager = try TaskManager(db: database, table: table.name, options: fastOptions(loggers[index]))
                try manager.register(
                    "tick",
                    TaskDefinition(argumentType: Tick.self) { info, _, tick in runs.append((info.id, tick)) }
                        .schedule(.every(.seconds(1)), argument: Tick(n: 7)))
                managers.append(manager)
            }
            for manager in managers { manager.start() }
            // From the first row on (a loaded machine can take seconds to start three managers),
            // 3.5 s hold at least three due seconds.
            let startBy = ContinuousClock.now + .seconds(20)
            while try await Self.dueRows(table, "tick").isEmpty, ContinuousClock.now < startBy {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(3500))
            for manager in managers { await manager.stop(wait: true) }
            for other in others { await close(other) }

            let rows = try await Self.dueRows(table, "tick")
            let dues = rows.map(\.due)
            // Stopped managers create nothing more.
            try await Task.sleep(for: .milliseconds(1200))
            #expect(try await Self.dueRows(table, "tick").count == rows.count)
            // At least three due seconds in the 3.5 s after the first, and never two rows for one
            // due second.
            #expect(rows.count >= 3, "\(dues)")
            #expect(Set(dues).count == dues.count, "duplicate due times: \(dues)")
            // A second is skipped only by the documented catch-up (every instance late by more
            // than the interval), which says so in the log.
            let gaps = zip(dues, dues.dropFirst()).filter { $1 - $0 > 1 }.count
            let catchUps = loggers.map { $0.all.filter { $0.contains("missed due times (catch-up)") }.count }.reduce(0, +)
            #expect(gaps <= catchUps, "gaps in \(dues) without a catch-up")
            // The schedule row records the last one.
            let row = try #require(try await Self.scheduleRow(table, "tick"))
            #expect(Self.seconds(try row.decode(Date?.self, "last_due")) == dues.last)
            #expect(try row.decode(UInt64?.self, "last_task_id") == rows.last?.id)
            #expect(Self.seconds(try row.decode(Date?.self, "next_due")) == dues.last.map { $0 + 1 })
            // Each run got the schedule's argument, and no task ran twice.
            #expect(runs.all.allSatisfy { $0.1 == Tick(n: 7) })
            #expect(Set(runs.all.map(\.0)).count == runs.count)
            #expect(runs.count >= rows.count - 2, "\(runs.count) runs for \(rows.count) rows")
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentTurnsOfThreeInstancesTakeOneDueTimeOnce(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let now = Int64(Date().timeIntervalSince1970)
            let hour = now / 3600 * 3600
            // Overdue since this hour began: every turn below sees the same due time.
            try await db.execute(
                "INSERT INTO \(Self.schedules(table)) (task_key, schedule, last_due, next_due, updated_at) VALUES (?, ?, NULL, ?, ?)",
                [.string("hourly"), .string("every 1h"), .date(Date(timeIntervalSince1970: Double(hour))), .date(Date())])
            let databases = [db, try await table.anotherDatabase(backend), try await table.anotherDatabase(backend)]
            var schedulers: [(PeriodicScheduler, TaskDefinition)] = []
            for database in databases {
                let manager = try TaskManager(db: database, table: table.name, options: fastOptions(RecordingLogger()))
                try manager.register("hourly", TaskDefinition { _, _ in }.schedule(.every(.seconds(3600))))
                schedulers.append((manager.makePeriodicScheduler(), try #require(manager.registry.definition("hourly"))))
            }
            // Eight turns per instance at once, none started by a sleep.
            let nexts = await withTaskGroup(of: Date?.self) { group in
                for (scheduler, definition) in schedulers {
                    for _ in 0..<8 { group.addTask { await scheduler.turn("hourly", definition, definition.schedule!) } }
                }
                return await group.reduce(into: [Date?]()) { $0.append($1) }
            }
            for other in databases.dropFirst() { await close(other) }
            #expect(try await Self.dueRows(table, "hourly").map(\.due) == [hour])
            #expect(nexts.count == 24 && nexts.allSatisfy { Self.seconds($0) == hour + 3600 }, "\(nexts)")
            let row = try #require(try await Self.scheduleRow(table, "hourly"))
            #expect(Self.seconds(try row.decode(Date?.self, "last_due")) == hour)
        }
    }

    @Test(arguments: Backend.allCases)
    func missedDueTimesAfterDowntimeRunOnce(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let now = Int64(Date().timeIntervalSince1970)
            let hour = now / 3600 * 3600
            // As an instance left it three hours ago: the last run at hour - 3h, next due hour - 2h.
            try await db.execute(
                "INSERT INTO \(Self.schedules(table)) (task_key, schedule, last_due, next_due, updated_at) VALUES (?, ?, ?, ?, ?)",
                [.string("hourly"), .string("every 1h"), .date(Date(timeIntervalSince1970: Double(hour - 3 * 3600))),
                 .date(Date(timeIntervalSince1970: Double(hour - 2 * 3600))), .date(Date(timeIntervalSince1970: Double(hour - 3 * 3600)))])
            let ran = Recorder<UInt64>()
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            try manager.register("hourly", TaskDefinition { info, _, _ in ran.append(info.id) }.schedule(.every(.seconds(3600))))
            manager.start()
            try await eventually("the catch-up run") { ran.count == 1 }
            try await Task.sleep(for: .milliseconds(1500))
            await manager.stop(wait: true)
            // One task, for the latest missed due time (this hour's start), not three.
            let rows = try await Self.dueRows(table, "hourly")
            #expect(rows.map(\.due) == [hour])
            #expect(ran.all == rows.map(\.id))
            let row = try #require(try await Self.scheduleRow(table, "hourly"))
            #expect(Self.seconds(try row.decode(Date?.self, "last_due")) == hour)
            #expect(Self.seconds(try row.decode(Date?.self, "next_due")) == hour + 3600)
            #expect(logger.contains("INFO", "missed due times (catch-up)"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aNewScheduleWaitsForItsFirstDueTimeAndAChangedOneIsReplaced(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let now = Int64(Date().timeIntervalSince1970)
            // "changed" was stored with another schedule and is overdue under it.
            try await db.execute(
                "INSERT INTO \(Self.schedules(table)) (task_key, schedule, last_due, next_due, updated_at) VALUES (?, ?, NULL, ?, ?)",
                [.string("changed"), .string("every 2h"), .date(Date(timeIntervalSince1970: Double(now - 3600))), .date(Date())])
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            try manager.register("fresh", TaskDefinition { _, _ in }.schedule(.cron("0 0 0 1 1 *")))
            try manager.register("changed", TaskDefinition { _, _ in }.schedule(.cron("0 30 * * * *")))
            manager.start()
            try await eventually("the fresh row") { try await Self.scheduleRow(table, "fresh") != nil }
            try await eventually("the changed schedule") {
                try await Self.scheduleRow(table, "changed")?.decode(String.self, "schedule") == "0 30 * * * *"
            }
            try await Task.sleep(for: .milliseconds(500))
            await manager.stop(wait: true)
            // Neither ran: the first is due next New Year, the second's old overdue time is dropped.
            #expect(try await table.count() == 0)
            let fresh = try #require(try await Self.scheduleRow(table, "fresh"))
            #expect(try fresh.decode(String.self, "schedule") == "0 0 0 1 1 *")
            #expect(try fresh.decode(Date?.self, "last_due") == nil)
            let year = CivilTime(secondsSinceEpoch: now).year
            #expect(Self.seconds(try fresh.decode(Date?.self, "next_due")) == CivilTime(year: year + 1, month: 1, day: 1).localSeconds)
            let changed = try #require(try await Self.scheduleRow(table, "changed"))
            // The next half past the hour after the manager wrote it: after `now`, and no later
            // than the half past after the stop (both differ only when the test straddles one).
            func nextHalfPast(_ t: Int64) -> Int64 {
                let halfPast = t / 3600 * 3600 + 1800
                return halfPast > t ? halfPast : halfPast + 3600
            }
            let stopped = Int64(Date().timeIntervalSince1970)
            #expect([nextHalfPast(now), nextHalfPast(stopped)].contains(Self.seconds(try changed.decode(Date?.self, "next_due"))))
            #expect(logger.contains("INFO", "schedule changed"))
        }
    }

    @Test(arguments: Backend.allCases)
    func aScheduleRegisteredAfterTheStartRuns(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let ran = Recorder<JSONValue?>()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            manager.start()
            try await Task.sleep(for: .milliseconds(200))
            try manager.register(
                "late", TaskDefinition { _, argument in ran.append(argument) }.schedule(.cron("* * * * * *"), argument: ["k": "v"]))
            try await eventually("a run of the late schedule", timeout: .seconds(5)) { ran.count >= 1 }
            await manager.stop(wait: true)
            #expect(ran.all.first == .some(.object(["k": .string("v")])))
        }
    }

    @Test(arguments: Backend.allCases)
    func aTableWithoutTheSchedulesTableIsATypedError(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            // A table as the Go original's model.sql makes it: the task table alone.
            try await db.execute("DROP TABLE \(Self.schedules(table))", [])
            let periodic = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            try periodic.register("tick", TaskDefinition { _, _ in }.schedule(.every(.seconds(1))))
            do {
                try await periodic.checkPeriodicTasks()
                Issue.record("checkPeriodicTasks did not throw")
            } catch let error as GTAError {
                #expect(error.code == .featureNeedsMigration)
                #expect(error.message.contains("periodic tasks ('tick')"), "\(error.message)")
                #expect(error.message.contains("gta migrate") && error.message.contains(periodic.scheduleTable.name), "\(error.message)")
            }
            await #expect(throws: GTAError.featureNeedsMigration) { try await periodic.run() }
            #expect(try await table.count() == 0)
            // start() logs it and stops; stop returns.
            let logger = RecordingLogger()
            let started = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            try started.register("tick", TaskDefinition { _, _ in }.schedule(.every(.seconds(1))))
            started.start()
            try await eventually("the logged error") { logger.contains("ERROR", "feature needs migration") }
            await started.stop(wait: true)
            // Everything else works on that table.
            let ran = Recorder<Int>()
            let plain = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            try plain.register("plain", TaskDefinition { _, _ in ran.append(1) })
            plain.start()
            try await plain.run("plain")
            try await eventually("the plain task") { ran.count == 1 }
            await plain.stop(wait: true)
            // The fix: create the schedules table (what `gta migrate` will call); it is idempotent.
            try await ScheduleTable.create(forTasks: try TableName(table.name), on: db)
            try await ScheduleTable.create(forTasks: try TableName(table.name), on: db)
            let fixed = try TaskManager(db: db, table: table.name, options: fastOptions(RecordingLogger()))
            try fixed.register("tick", TaskDefinition { _, _ in }.schedule(.every(.seconds(1))))
            try await fixed.checkPeriodicTasks()
        }
    }
}
