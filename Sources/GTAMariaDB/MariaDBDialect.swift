import GTA

/// MySQL 8.0+ and MariaDB 10.6+ SQL: backticks, `?` placeholders, `FOR UPDATE [SKIP LOCKED]`,
/// `LAST_INSERT_ID()`, `DELETE ... LIMIT`, and the task table as the Go original's `model.sql`
/// has it (with the claim index and auto ids from 10001).
public struct MariaDBDialect: GTADialect, Hashable {
    public var name: String
    /// `"FOR UPDATE SKIP LOCKED"`, or `nil` for a server without it (MySQL 5.7, MariaDB before
    /// 10.6, some distributed engines): claims then use the original's optimistic update.
    public var lockForUpdateSkipLocked: String?

    /// - Parameters:
    ///   - name: the default is `"MariaDB"`.
    ///   - skipLocked: whether the server has `SKIP LOCKED`. The default is `true`.
    public init(name: String = "MariaDB", skipLocked: Bool = true) {
        self.name = name
        self.lockForUpdateSkipLocked = skipLocked ? "FOR UPDATE SKIP LOCKED" : nil
    }

    /// Whether a server whose `VERSION()` is `version` has `FOR UPDATE SKIP LOCKED`: MariaDB
    /// 10.6 and later, MySQL 8.0.1 and later. TiDB and Vitess (whose version strings carry
    /// `TiDB` / `Vitess`), older servers and strings that do not parse: no.
    ///
    /// ```swift
    /// MariaDBDialect.serverHasSkipLocked(version: "10.11.19-MariaDB")   // true
    /// MariaDBDialect.serverHasSkipLocked(version: "5.7.44")             // false
    /// MariaDBDialect.serverHasSkipLocked(version: "8.0.11-TiDB-v7.5.0") // false
    /// ```
    public static func serverHasSkipLocked(version: String) -> Bool {
        let lower = version.lowercased()
        if lower.contains("tidb") || lower.contains("vitess") { return false }
        var text = Substring(lower)
        // A MariaDB server may announce itself as "5.5.5-10.x.y-MariaDB" to old clients.
        if text.hasPrefix("5.5.5-"), lower.contains("mariadb") { text = text.dropFirst(6) }
        let numbers = text.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        guard numbers.count >= 2 else { return false }
        let (major, minor, patch) = (numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0)
        if lower.contains("mariadb") { return (major, minor) >= (10, 6) }
        // MySQL (and Percona, which follows its version numbers).
        return (major, minor, patch) >= (8, 0, 1)
    }

    public func quote(_ identifier: String) -> String {
        "`" + identifier.replacing("`", with: "``") + "`"
    }

    public var lockForUpdate: String { "FOR UPDATE" }
    public var supportsDeleteLimit: Bool { true }
    /// The statement head that inserts and ignores a duplicate key.
    public var insertIgnore: String { "INSERT IGNORE" }
    /// The SQL expression for the current time.
    public var now: String { "NOW()" }

    public func taskTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement] {
        let ine = ifNotExists ? "IF NOT EXISTS " : ""
        return [
            GTAStatement(
                """
                CREATE TABLE \(ine)\(table.quoted(for: self)) (
                  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
                  `task_key` varchar(64) NOT NULL DEFAULT '',
                  `task_status` varchar(64) NOT NULL DEFAULT '',
                  `context` mediumtext,
                  `argument` mediumtext,
                  `extra` mediumtext,
                  `created_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
                  `updated_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
                  `run_at` \(Self.runAtType),
                  `unique_key` \(Self.uniqueKeyType),
                  `unique_active` \(Self.uniqueActiveType),
                  PRIMARY KEY (`id`),
                  KEY `idx_task_key` (`task_key`),
                  KEY `idx_task_status_id` (`task_status`, `id`),
                  KEY `idx_updated_at` (`updated_at`),
                  KEY `\(Self.dueIndex)` (`task_status`, `run_at`, `id`),
                  UNIQUE KEY `\(Self.uniqueIndex)` (`unique_active`)
                ) ENGINE=InnoDB AUTO_INCREMENT=\(TaskTable.firstAutoID) DEFAULT CHARSET=utf8mb4
                """)
        ]
    }

    /// The schedules table of periodic tasks (`model.sql`'s optional addition): one row per
    /// scheduled key, InnoDB so that its rows can be locked.
    public func scheduleTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement] {
        let ine = ifNotExists ? "IF NOT EXISTS " : ""
        return [
            GTAStatement(
                """
                CREATE TABLE \(ine)\(table.quoted(for: self)) (
                  `task_key` varchar(64) NOT NULL,
                  `schedule` varchar(\(Schedule.maximumTextLength)) NOT NULL DEFAULT '',
                  `last_due` datetime NULL DEFAULT NULL,
                  `next_due` datetime NULL DEFAULT NULL,
                  `last_task_id` bigint unsigned NULL DEFAULT NULL,
                  `updated_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
                  PRIMARY KEY (`task_key`)
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                """)
        ]
    }

    // MARK: Optional features (TaskTableFeature)

    static let runAtType = "datetime NOT NULL DEFAULT '1000-01-01 00:00:00'"
    static let uniqueKeyType = "varchar(191) DEFAULT NULL"
    /// The key of a waiting or running row, `NULL` otherwise: the unique index counts only those.
    static let uniqueActiveType =
        "varchar(191) GENERATED ALWAYS AS (CASE WHEN `task_status` IN ('initialized', 'running') THEN `unique_key` END) STORED"
    static let dueIndex = "idx_task_status_run_at_id"
    static let uniqueIndex = "uk_unique_active"

    /// `information_schema.COLUMNS` and `.STATISTICS` of the table (its schema, or the current
    /// database).
    public func taskTableCatalog(for table: TableName) -> GTACatalogQueries? {
        let condition = "TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?"
        let binds: [GTAValue] = [table.schema.map { .string($0) } ?? .null, .string(table.name)]
        return GTACatalogQueries(
            columns: GTAStatement("SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE \(condition)", binds),
            indexes: GTAStatement(
                "SELECT INDEX_NAME AS index_name, COLUMN_NAME AS column_name, NON_UNIQUE AS non_unique "
                    + "FROM information_schema.STATISTICS WHERE \(condition) ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                binds))
    }

    /// `ALTER TABLE` statements for what `feature` still lacks: each adds one column or index.
    public func taskTableMigration(adding feature: TaskTableFeature, to table: TableName, schema: TaskTableSchema) -> [GTAStatement] {
        let t = table.quoted(for: self)
        var statements: [String] = []
        switch feature {
        case .delayedTasks:
            if !schema.hasRunAt { statements.append("ALTER TABLE \(t) ADD COLUMN `run_at` \(Self.runAtType)") }
            if !schema.hasDueIndex { statements.append("ALTER TABLE \(t) ADD INDEX `\(Self.dueIndex)` (`task_status`, `run_at`, `id`)") }
        case .uniqueTasks:
            if !schema.columns.contains("unique_key") { statements.append("ALTER TABLE \(t) ADD COLUMN `unique_key` \(Self.uniqueKeyType)") }
            if !schema.columns.contains("unique_active") {
                statements.append("ALTER TABLE \(t) ADD COLUMN `unique_active` \(Self.uniqueActiveType)")
            }
            if !schema.hasUniqueIndex { statements.append("ALTER TABLE \(t) ADD UNIQUE INDEX `\(Self.uniqueIndex)` (`unique_active`)") }
        default:
            break
        }
        return statements.map { GTAStatement($0) }
    }
}
