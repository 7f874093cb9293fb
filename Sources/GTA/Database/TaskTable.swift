/// The task table's definition: the Go original's columns, plus the index the claim query needs
/// and the columns and indexes of the optional features (``TaskTableFeature``).
///
/// `model.sql` at the repository root is ``createStatements(for:dialect:ifNotExists:)`` for the
/// table `tasks` in the MariaDB backend's dialect, and a test keeps the two identical. Each
/// backend's dialect writes the statements (``GTADialect/taskTableStatements(for:ifNotExists:)``).
///
/// Differences from the original's `model.sql`, each compatible with a table it created:
/// - auto ids start at 10001, so that no user task takes id 10000, the abnormal-check row;
/// - `idx_task_status (task_status)` becomes `idx_task_status_id (task_status, id)`, which serves
///   every query on the status and lets the claim query walk `initialized` rows in id order
///   without locking others. On a table made by the original's schema, add it with
///   `ALTER TABLE tasks ADD INDEX idx_task_status_id (task_status, id)`;
/// - delayed tasks: `run_at` (default `'1000-01-01 00:00:00'`, so every row the Go original
///   inserts is due at once) and the index `(task_status, run_at, id)`;
/// - unique tasks: `unique_key` (default `NULL`) and a unique index over the keys of waiting and
///   running rows (MySQL and MariaDB: the stored generated column `unique_active`; SQLite: a
///   partial unique index).
///
/// ``migrate(named:on:)`` adds the optional parts to an existing table (a Go original's, say).
public enum TaskTable {
    /// The first auto id.
    public static let firstAutoID: UInt64 = 10001

    /// The statements that create the table (and its indexes), from the dialect.
    public static func createStatements(for table: TableName, dialect: any GTADialect, ifNotExists: Bool = true) -> [GTAStatement] {
        dialect.taskTableStatements(for: table, ifNotExists: ifNotExists)
    }

    /// Creates the task table named `name` on `db`, from the same definition as `model.sql`,
    /// and its schedules table for periodic tasks (``ScheduleTable``), which the Go original
    /// never reads.
    ///
    /// - Throws: ``GTAError/invalidTableName`` before any SQL is sent when the name is not a
    ///   valid identifier; the database's error when a statement fails.
    public static func create(named name: String, on db: any GTADatabase, ifNotExists: Bool = true) async throws {
        let table = try TableName(name)
        let statements = createStatements(for: table, dialect: db.dialect, ifNotExists: ifNotExists)
            + ScheduleTable.createStatements(forTasks: table, dialect: db.dialect, ifNotExists: ifNotExists)
        try await db.transaction { tx in
            for statement in statements { try await tx.execute(statement.sql, statement.binds) }
        }
    }

    /// One step of ``migrate(named:on:)``: a name for messages, and the statements it needs given
    /// what the table has (none when it has everything).
    public struct MigrationStep: Sendable {
        /// What the step adds, such as `"delayed tasks"`.
        public var name: String
        /// The statements still needed, given the table's schema, in the dialect's SQL.
        public var statements: @Sendable (TableName, any GTADialect, TaskTableSchema) -> [GTAStatement]

        /// A step named `name` whose statements `statements` gives.
        public init(name: String, statements: @escaping @Sendable (TableName, any GTADialect, TaskTableSchema) -> [GTAStatement]) {
            self.name = name
            self.statements = statements
        }

        /// The step that adds what `feature` needs, from the dialect.
        public static func feature(_ feature: TaskTableFeature) -> MigrationStep {
            MigrationStep(name: feature.name) { table, dialect, schema in
                dialect.taskTableMigration(adding: feature, to: table, schema: schema)
            }
        }
    }

    /// Every step of ``migrate(named:on:)`` that changes the task table, in order: the one place a
    /// new column or index step is added. (The periodic tasks' schedules table, a table of its
    /// own, is created after them: ``ScheduleTable``.)
    public static let migrationSteps: [MigrationStep] = [
        .feature(.delayedTasks),
        .feature(.uniqueTasks),
    ]

    /// The statements ``migrate(named:on:)`` would run on a table whose schema is `schema`
    /// (empty when it is up to date).
    public static func migrationStatements(for table: TableName, dialect: any GTADialect, schema: TaskTableSchema) -> [GTAStatement] {
        migrationSteps.flatMap { $0.statements(table, dialect, schema) }
    }

    /// Brings the task table named `name` up to this library's definition: creates it when it is
    /// missing (``create(named:on:ifNotExists:)``), otherwise adds the columns and indexes of
    /// every optional feature it lacks (``migrationSteps``) and the schedules table of periodic
    /// tasks (``ScheduleTable``) when it is missing. Idempotent: running it again does
    /// nothing. The Go original keeps working on the migrated table: it names its columns on
    /// every insert and update, and every added column has a default or is generated.
    ///
    /// Each statement is DDL, which commits by itself on MySQL and MariaDB: an interrupted
    /// migration leaves some steps done, and running it again completes it. Adding the stored
    /// generated column rebuilds the table on MySQL and MariaDB (plan it for a large table).
    ///
    /// - Returns: the statements it ran (none when the table was up to date; the task table's
    ///   create statements when it created the table, whose schedules table ``create(named:on:ifNotExists:)``
    ///   makes too).
    /// - Throws: ``GTAError/invalidTableName`` before any SQL is sent; the database's error when
    ///   a statement fails.
    @discardableResult
    public static func migrate(named name: String, on db: any GTADatabase) async throws -> [GTAStatement] {
        let table = try TableName(name)
        let schema = try await TaskTableSchema.read(table, on: db)
        guard schema.exists || db.dialect.taskTableCatalog(for: table) == nil else {
            try await create(named: name, on: db)
            return createStatements(for: table, dialect: db.dialect)
        }
        var ran: [GTAStatement] = []
        for step in migrationSteps {
            // Read again before each step: the previous one changed the table.
            let current = ran.isEmpty ? schema : try await TaskTableSchema.read(table, on: db)
            for statement in step.statements(table, db.dialect, current) {
                try await db.execute(statement.sql, statement.binds)
                ran.append(statement)
            }
        }
        // Periodic tasks: the schedules table beside it, which the Go original never reads.
        if try await !ScheduleTable.exists(forTasks: table, on: db) {
            try await ScheduleTable.create(forTasks: table, on: db)
            ran += ScheduleTable.createStatements(forTasks: table, dialect: db.dialect)
        }
        return ran
    }
}
