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

    public func quote(_ identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "`", with: "``") + "`"
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
                  PRIMARY KEY (`id`),
                  KEY `idx_task_key` (`task_key`),
                  KEY `idx_task_status_id` (`task_status`, `id`),
                  KEY `idx_updated_at` (`updated_at`)
                ) ENGINE=InnoDB AUTO_INCREMENT=\(TaskTable.firstAutoID) DEFAULT CHARSET=utf8mb4
                """)
        ]
    }
}
