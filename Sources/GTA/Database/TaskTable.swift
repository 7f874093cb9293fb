/// The task table's definition: the Go original's columns, plus the index the claim query needs.
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
///   `ALTER TABLE tasks ADD INDEX idx_task_status_id (task_status, id)`.
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
}
