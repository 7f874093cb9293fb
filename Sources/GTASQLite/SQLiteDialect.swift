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
                  "updated_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00',
                  "run_at" \(Self.runAtType),
                  "unique_key" \(Self.uniqueKeyType)
                )
                """),
            index("task_key", "\"task_key\""),
            index("task_status_id", "\"task_status\", \"id\""),
            index("updated_at", "\"updated_at\""),
            dueIndex(table, ifNotExists: ifNotExists),
            uniqueIndex(table, ifNotExists: ifNotExists),
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

    // MARK: Optional features (TaskTableFeature)

    static let runAtType = "DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00'"
    static let uniqueKeyType = "VARCHAR(191) DEFAULT NULL"

    private func indexName(_ table: TableName, _ suffix: String) -> String {
        (table.schema.map { quote($0) + "." } ?? "") + quote("idx_\(table.name)_\(suffix)")
    }

    private func dueIndex(_ table: TableName, ifNotExists: Bool) -> GTAStatement {
        GTAStatement(
            "CREATE INDEX \(ifNotExists ? "IF NOT EXISTS " : "")\(indexName(table, "task_status_run_at_id")) ON \(quote(table.name)) "
                + "(\"task_status\", \"run_at\", \"id\")")
    }

    /// Unique over the keys of waiting and running rows only: a partial index.
    private func uniqueIndex(_ table: TableName, ifNotExists: Bool) -> GTAStatement {
        GTAStatement(
            "CREATE UNIQUE INDEX \(ifNotExists ? "IF NOT EXISTS " : "")\(indexName(table, "unique_active")) ON \(quote(table.name)) "
                + "(\"unique_key\") WHERE \"task_status\" IN ('initialized', 'running')")
    }

    /// `pragma_table_info` and `pragma_index_list` / `pragma_index_info` of the table.
    public func taskTableCatalog(for table: TableName) -> GTACatalogQueries? {
        let schema = GTAValue.string(table.schema ?? "main")
        return GTACatalogQueries(
            columns: GTAStatement("SELECT name FROM pragma_table_info(?, ?)", [.string(table.name), schema]),
            indexes: GTAStatement(
                "SELECT il.name AS index_name, ii.name AS column_name, 1 - il.\"unique\" AS non_unique, il.partial AS is_partial "
                    + "FROM pragma_index_list(?, ?) AS il, pragma_index_info(il.name, ?) AS ii ORDER BY il.name, ii.seqno",
                [.string(table.name), schema, schema]))
    }

    /// `ALTER TABLE ... ADD COLUMN` and `CREATE INDEX IF NOT EXISTS` for what `feature` lacks.
    public func taskTableMigration(adding feature: TaskTableFeature, to table: TableName, schema: TaskTableSchema) -> [GTAStatement] {
        let t = table.quoted(for: self)
        var statements: [GTAStatement] = []
        switch feature {
        case .delayedTasks:
            if !schema.hasRunAt { statements.append(GTAStatement("ALTER TABLE \(t) ADD COLUMN \"run_at\" \(Self.runAtType)")) }
            if !schema.hasDueIndex { statements.append(dueIndex(table, ifNotExists: true)) }
        case .uniqueTasks:
            if !schema.columns.contains("unique_key") {
                statements.append(GTAStatement("ALTER TABLE \(t) ADD COLUMN \"unique_key\" \(Self.uniqueKeyType)"))
            }
            if !schema.hasUniqueIndex { statements.append(uniqueIndex(table, ifNotExists: true)) }
        default:
            break
        }
        return statements
    }
}
