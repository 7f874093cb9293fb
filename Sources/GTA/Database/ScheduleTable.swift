/// The schedules table of periodic tasks: one row per scheduled key, beside the task table.
/// Swift only; the Go original never reads or writes it.
///
/// | column | type | meaning |
/// |---|---|---|
/// | task_key | varchar(64), primary key | the scheduled definition's key |
/// | schedule | varchar(255) | the schedule's text (``Schedule/description``) |
/// | last_due | datetime, nullable | the latest due time a task was created for |
/// | next_due | datetime, nullable | the next due time |
/// | last_task_id | bigint unsigned, nullable | the id of the task created for `last_due` |
/// | updated_at | datetime | when the row last changed |
///
/// An instance claims a due time by locking the key's row (`SELECT ... FOR UPDATE`; on SQLite
/// the writing transaction is exclusive), checking that the due time is later than `last_due`,
/// inserting the task and moving `last_due` on, all in one transaction: however many instances
/// race, each due time gets one task.
///
/// Its name is the task table's followed by `_schedules` (`tasks_schedules`), in the same
/// schema. A task table name longer than 54 characters is cut to 45 and followed by `_`, eight
/// hexadecimal digits of a hash of the whole name and `_schedules`, so the name stays a valid
/// identifier of at most 64 characters and two long names do not share one table.
///
/// ``TaskTable/create(named:on:ifNotExists:)`` creates it with the task table; for a table made
/// earlier (or by the Go original's `model.sql`), run `gta migrate` or
/// ``create(forTasks:on:ifNotExists:)``, or the SQL in `model.sql`.
public enum ScheduleTable {
    /// What follows the task table's name.
    public static let suffix = "_schedules"

    /// The schedules table of the task table `table`.
    public static func name(forTasks table: TableName) -> TableName {
        var name = table.name + suffix
        if name.utf8.count > TableName.maximumLength {
            name = String(table.name.prefix(45)) + "_" + hash(table.name) + suffix
        }
        return TableName(validatedSchema: table.schema, name: name)
    }

    /// The statements that create the schedules table of `table`, from the dialect.
    public static func createStatements(forTasks table: TableName, dialect: any GTADialect, ifNotExists: Bool = true) -> [GTAStatement] {
        dialect.scheduleTableStatements(for: name(forTasks: table), ifNotExists: ifNotExists)
    }

    /// Creates the schedules table of the task table `table` on `db`. With `ifNotExists` (the
    /// default) it does nothing when the table exists, so it may run at every start.
    ///
    /// - Throws: the database's error when a statement fails.
    public static func create(forTasks table: TableName, on db: any GTADatabase, ifNotExists: Bool = true) async throws {
        let statements = createStatements(forTasks: table, dialect: db.dialect, ifNotExists: ifNotExists)
        try await db.transaction { tx in
            for statement in statements { try await tx.execute(statement.sql, statement.binds) }
        }
    }

    /// Whether the schedules table of `table` can be read on `db`: a query that reads no row.
    /// A connection or availability error is thrown; any other error (no such table, no
    /// privilege) means it cannot be used and returns `false`.
    public static func exists(forTasks table: TableName, on db: any GTAExecutor) async throws -> Bool {
        do {
            _ = try await db.query("SELECT task_key FROM \(name(forTasks: table).quoted(for: db.dialect)) WHERE 1 = 0", [])
            return true
        } catch let error where error.asDatabaseError?.isRetryable == true {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return false
        }
    }

    /// The error for a periodic definition on a task table without its schedules table.
    static func missingError(forTasks table: TableName, keys: [TaskKey]) -> GTAError {
        let schedules = name(forTasks: table)
        let which = keys.map { "'\($0)'" }.joined(separator: ", ")
        return GTAError(
            .featureNeedsMigration,
            """
            periodic tasks (\(which)) need the table '\(schedules)' beside '\(table)': run `gta migrate`, \
            call ScheduleTable.create(forTasks:on:), or run the schedules table's SQL in model.sql (see Docs/periodic.md)
            """)
    }

    /// FNV-1a, 32 bits, as eight hexadecimal digits: stable across runs and platforms.
    static func hash(_ text: String) -> String {
        var value: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            value ^= UInt32(byte)
            value = value &* 16_777_619
        }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

extension TableName {
    /// A name built from parts already validated (a derived table name).
    init(validatedSchema schema: String?, name: String) {
        self.schema = schema
        self.name = name
    }
}
