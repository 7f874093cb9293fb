import GTA

/// SQLite 3 SQL: double quotes, `?` placeholders, no row locks (every transaction starts with
/// `BEGIN IMMEDIATE` and excludes other writers), `INSERT OR IGNORE`, and the task table with
/// indexes named after it and auto ids from 10001.
public struct SQLiteDialect: GTADialect, Hashable {
    public var name: String { "SQLite" }
    /// The SQL expression for the current time: `CURRENT_TIMESTAMP` in UTC, or `gta_now()`, a
    /// function the connection defines, for another zone.
    public var now: String

    public init(now: String = "CURRENT_TIMESTAMP") {
        self.now = now
    }

    public func quote(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }

    public var lockForUpdate: String { "" }
    public var lockForUpdateSkipLocked: String? { nil }
    public var writeTransactionsAreExclusive: Bool { true }
    /// The statement head that inserts and ignores a duplicate key.
    public var insertIgnore: String { "INSERT OR IGNORE" }

    public func taskTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement] {
        let ine = ifNotExists ? "IF NOT EXISTS " : ""
        // SQLite index names are schema-wide: prefix them with the table name.
        let schemaPrefix = table.schema.map { quote($0) + "." } ?? ""
        func index(_ suffix: String, _ columns: String) -> GTAStatement {
            GTAStatement("CREATE INDEX \(ine)\(schemaPrefix)\(quote("idx_\(table.name)_\(suffix)")) ON \(quote(table.name)) (\(columns))")
        }
        let sequence = schemaPrefix + "sqlite_sequence"
        return [
            GTAStatement(
                """
                CREATE TABLE \(ine)\(table.quoted(for: self)) (
                  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                  "task_key" VARCHAR(64) NOT NULL DEFAULT '',
                  "task_status" VARCHAR(64) NOT NULL DEFAULT '',
                  "context" MEDIUMTEXT,
                  "argument" MEDIUMTEXT,
                  "extra" MEDIUMTEXT,
                  "created_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00',
                  "updated_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00'
                )
                """),
            index("task_key", "\"task_key\""),
            index("task_status_id", "\"task_status\", \"id\""),
            index("updated_at", "\"updated_at\""),
            // Start auto ids above 10000, as on MySQL.
            GTAStatement(
                "INSERT INTO \(sequence) (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM \(sequence) WHERE name = ?)",
                [.string(table.name), .int(Int64(TaskTable.firstAutoID - 1)), .string(table.name)]),
        ]
    }

    /// The schedules table of periodic tasks: one row per scheduled key (a writing transaction
    /// holds the whole database, so no row lock is needed).
    public func scheduleTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement] {
        let ine = ifNotExists ? "IF NOT EXISTS " : ""
        return [
            GTAStatement(
                """
                CREATE TABLE \(ine)\(table.quoted(for: self)) (
                  "task_key" VARCHAR(64) NOT NULL PRIMARY KEY,
                  "schedule" VARCHAR(\(Schedule.maximumTextLength)) NOT NULL DEFAULT '',
                  "last_due" DATETIME,
                  "next_due" DATETIME,
                  "last_task_id" INTEGER,
                  "updated_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00'
                )
                """)
        ]
    }
}
