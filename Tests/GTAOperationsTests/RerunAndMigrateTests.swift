import Foundation
import GTA
import GTAOperations
import Testing

@Suite struct RerunTests {
    @Test(arguments: Backend.allCases)
    func rerunByIdMovesEachRowFromItsStatusAndSaysWhyOthersStay(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let failed = try await table.insert("k", .failed)
            let succeeded = try await table.insert("k", .succeeded)
            let stuck = try await table.insert("k", .running, age: 300, extra: lease("p1-dead"))
            let live = try await table.insert("k", .running, age: 1, extra: lease("p2-live"))
            let waiting = try await table.insert("k", .initialized)
            let builtin = try await table.insert("builtin:clean_up", .failed, id: 9999)
            let ops = try TaskOperations(db: db, table: table.name)
            let plan = try await ops.planRerun(.ids([failed, succeeded, stuck, live, waiting, builtin, 4242, failed]))
            #expect(plan.movable.map(\.id) == [failed, succeeded, stuck])
            #expect(plan.movable.map(\.status) == [.failed, .succeeded, .running])
            #expect(plan.skipped.map(\.id) == [live, waiting, builtin, 4242])
            #expect(plan.skipped[0].reason?.contains("live lease of p2-live") == true)
            #expect(plan.skipped[1].reason?.contains("already initialized") == true)
            #expect(plan.skipped[2].reason?.contains("built-in") == true)
            #expect(plan.skipped[3].reason == "no such task")
            let result = try await ops.rerun(plan)
            #expect(result == RerunResult(moved: 3, planned: 3))
            for id in [failed, succeeded, stuck] { #expect(try await table.status(id) == .initialized) }
            #expect(try await table.status(live) == .running)
            #expect(try await table.status(builtin) == .failed)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRowThatMovedAfterThePlanIsLeftAlone(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let failed = try await table.insert("k", .failed)
            let stuck = try await table.insert("k", .running, age: 300, extra: lease("p1-slow"))
            let ops = try TaskOperations(db: db, table: table.name)
            let plan = try await ops.planRerun(.ids([failed, stuck]))
            #expect(plan.movable.count == 2)
            // Meanwhile: someone else reruns the failed row and it runs; the stuck row's owner renews its lease.
            try await db.execute("UPDATE \(table.quoted) SET task_status = 'running' WHERE id = ?", [.uint(failed)])
            try await db.execute("UPDATE \(table.quoted) SET updated_at = ? WHERE id = ?", [.date(Date()), .uint(stuck)])
            let result = try await ops.rerun(plan)
            #expect(result == RerunResult(moved: 0, planned: 2))
            #expect(try await table.status(failed) == .running)
            #expect(try await table.status(stuck) == .running)
        }
    }

    @Test(arguments: Backend.allCases)
    func rerunByFilterTakesFailedRowsOfAKey(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            var mail: [UInt64] = []
            for _ in 0..<6 { mail.append(try await table.insert("mail", .failed)) }
            let crm = try await table.insert("crm", .failed)
            try await table.insert("builtin:clean_up", .failed, id: 9999)
            let ops = try TaskOperations(db: db, table: table.name)
            let plan = try await ops.planRerun(.filter(TaskFilter(status: .failed, key: "mail")))
            #expect(plan.movable.map(\.id) == mail && plan.skipped.isEmpty)
            #expect(try await ops.rerun(plan).moved == 6)
            #expect(try await table.status(crm) == .failed)
            // Every failed row, built-in rows excepted.
            let all = try await ops.planRerun(.filter(TaskFilter(status: .failed)))
            #expect(all.movable.map(\.id) == [crm])
            // Stuck running rows only.
            let stuck = try await table.insert("mail", .running, age: 300, extra: lease("p1-dead"))
            try await table.insert("mail", .running, age: 1, extra: lease("p2-live"))
            #expect(try await ops.planRerun(.filter(TaskFilter(status: .running))).movable.map(\.id) == [stuck])
            await #expect(throws: OperationsError.invalidArgument) { try await ops.planRerun(.filter(TaskFilter(status: .initialized))) }
            await #expect(throws: OperationsError.invalidArgument) { try await ops.planRerun(.filter(TaskFilter(key: "mail"))) }
            await #expect(throws: OperationsError.invalidArgument) { try await ops.planRerun(.ids([])) }
        }
    }

    @Test(arguments: Backend.allCases)
    func aRerunTaskRunsAgainOnAManager(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let failed = try await table.insert("k", .failed, argument: "41")
            let manager = try TaskManager(
                db: db, table: table.name, .withScanInterval(.milliseconds(100)), .withInstantScanInterval(.milliseconds(20)))
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, _ in })
            manager.start()
            let ops = try TaskOperations(db: db, table: table.name)
            #expect(try await ops.rerun(try await ops.planRerun(.ids([failed]))).moved == 1)
            try await eventually { try await table.status(failed) == .succeeded }
            let detail = try await ops.show(id: failed)
            #expect(detail.record.extra.runs == 1 && detail.record.extra.owner != nil)
            await manager.stop(wait: true)
        }
    }
}

@Suite struct MigrateTests {
    @Test(arguments: Backend.allCases)
    func migrateCreatesTheTableOnceAndPrintsWhatItWouldDo(_ backend: Backend) async throws {
        try await withTable(backend, create: false) { db, table in
            let ops = try TaskOperations(db: db, table: table.name)
            let plan = try await ops.planMigration()
            #expect(plan.action == .createTable)
            // The task table, then its schedules table for periodic tasks.
            #expect(plan.statements == TaskTable.createStatements(for: ops.table, dialect: db.dialect)
                + ScheduleTable.createStatements(forTasks: ops.table, dialect: db.dialect))
            #expect(plan.sql.contains("CREATE TABLE IF NOT EXISTS \(table.quoted)") && !plan.sql.contains("?"))
            #expect(try await ops.describeTable().exists == false)  // planning wrote nothing
            #expect(try await ops.migrate().action == .createTable)
            let description = try await ops.describeTable()
            #expect(description.exists && description.missingColumns.isEmpty && description.hasClaimIndex)
            #expect(try await ops.migrate().action == .upToDate)
            #expect(try await ops.planMigration().statements.isEmpty)
            try await ops.requireTaskTable()
            let id = try await table.insert("k", .initialized)
            #expect(id >= TaskTable.firstAutoID)
        }
    }

    /// The Go original's schema: `idx_task_status (task_status)` and auto ids from 10000.
    func createGoTable(_ db: any GTADatabase, _ table: TestTable, _ backend: Backend) async throws {
        let q = table.quoted
        switch backend {
        case .mariadb:
            try await db.execute(
                """
                CREATE TABLE \(q) (`id` bigint unsigned NOT NULL AUTO_INCREMENT, `task_key` varchar(64) NOT NULL DEFAULT '',
                `task_status` varchar(64) NOT NULL DEFAULT '', `context` mediumtext, `argument` mediumtext, `extra` mediumtext,
                `created_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00', `updated_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
                PRIMARY KEY (`id`), KEY `idx_task_key` (`task_key`), KEY `idx_task_status` (`task_status`), KEY `idx_updated_at` (`updated_at`)
                ) ENGINE=InnoDB AUTO_INCREMENT=10000 DEFAULT CHARSET=utf8mb4
                """, [])
        case .sqlite:
            try await db.execute(
                """
                CREATE TABLE \(q) ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "task_key" VARCHAR(64) NOT NULL DEFAULT '',
                "task_status" VARCHAR(64) NOT NULL DEFAULT '', "context" MEDIUMTEXT, "argument" MEDIUMTEXT, "extra" MEDIUMTEXT,
                "created_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00', "updated_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00')
                """, [])
            try await db.execute("CREATE INDEX \(db.dialect.quote("go_status_\(table.name)")) ON \(q) (task_status)", [])
        }
    }

    @Test(arguments: Backend.allCases)
    func migrateAddsTheClaimIndexToAGoTable(_ backend: Backend) async throws {
        try await withTable(backend, create: false) { db, table in
            try await createGoTable(db, table, backend)
            let ops = try TaskOperations(db: db, table: table.name)
            let before = try await ops.describeTable()
            #expect(before.exists && before.missingColumns.isEmpty && !before.hasClaimIndex)
            let plan = try await ops.planMigration()
            #expect(plan.action == .upgrade)
            switch backend {
            case .mariadb:
                #expect(plan.sql.contains("ALTER TABLE \(table.quoted) ADD INDEX `idx_task_status_id` (`task_status`, `id`);"))
                #expect(plan.sql.contains("AUTO_INCREMENT = 10001"))
            case .sqlite:
                #expect(plan.sql.contains("CREATE INDEX IF NOT EXISTS \"idx_\(table.name)_task_status_id\" ON \(table.quoted) (\"task_status\", \"id\");"))
            }
            // The optional features' columns and indexes (delayed and unique tasks).
            #expect(plan.sql.contains("ADD COLUMN \(db.dialect.quote("run_at"))") && plan.sql.contains("ADD COLUMN \(db.dialect.quote("unique_key"))"))
            #expect(try await ops.describeTable().hasClaimIndex == false)  // printing changed nothing
            let row = try await table.insert("go_key", .failed)
            #expect(try await ops.migrate().action == .upgrade)
            #expect(try await ops.describeTable().hasClaimIndex)
            let schema = try await TaskTableSchema.read(ops.table, on: db)
            #expect(schema.supports(.delayedTasks) && schema.supports(.uniqueTasks))
            #expect(try await ops.migrate().action == .upToDate)
            #expect(try await table.status(row) == .failed)  // the rows stay
        }
    }
}

@Suite struct TextTests {
    @Test func durationsReadAsAPersonWritesThem() throws {
        #expect(try DurationText.parse("90s") == .seconds(90))
        #expect(try DurationText.parse("10m") == .seconds(600))
        #expect(try DurationText.parse("1h30m") == .seconds(5400))
        #expect(try DurationText.parse("2d") == .seconds(172_800))
        #expect(try DurationText.parse("500ms") == .milliseconds(500))
        for bad in ["", "10", "m", "10x", "-5m", "1.5h", "10 m"] {
            #expect(throws: OperationsError.invalidArgument) { try DurationText.parse(bad) }
        }
    }

    @Test func prettyJSONKeepsEveryByteOfValuesAndLeavesOtherTextAlone() {
        #expect(PrettyJSON.format(#"{"a":[1,2.50,{}],"b":"x,{y}:\"z\"","c":[]}"#) == """
            {
              "a": [
                1,
                2.50,
                {}
              ],
              "b": "x,{y}:\\"z\\"",
              "c": []
            }
            """)
        #expect(PrettyJSON.format("42") == "42")
        #expect(PrettyJSON.format("not {json") == "not {json")
        #expect(PrettyJSON.format(#"{"a":"unclosed}"#) == #"{"a":"unclosed}"#)
    }
}
