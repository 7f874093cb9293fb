/// The task table's definition: the Go original's columns, plus the index the claim query needs.
///
/// `model.sql` at the repository root is ``createStatements(for:dialect:ifNotExists:)`` for the
/// table `tasks` on MySQL, and a test keeps the two identical.
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

    /// The statements that create the table (and, on SQLite, its indexes).
    public static func createStatements(for table: TableName, dialect: GTADialect, ifNotExists: Bool = true) -> [String] {
        let ine = ifNotExists ? "IF NOT EXISTS " : ""
        let q = { dialect.quote($0) }
        let name = table.quoted(for: dialect)
        switch dialect.family {
        case .mysql:
            return [
                """
                CREATE TABLE \(ine)\(name) (
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
                ) ENGINE=InnoDB AUTO_INCREMENT=\(firstAutoID) DEFAULT CHARSET=utf8mb4
                """
            ]
        case .sqlite:
            // SQLite index names are schema-wide: prefix them with the table name.
            let schemaPrefix = table.schema.map { q($0) + "." } ?? ""
            func index(_ suffix: String, _ columns: String) -> String {
                "CREATE INDEX \(ine)\(schemaPrefix)\(q("idx_\(table.name)_\(suffix)")) ON \(q(table.name)) (\(columns))"
            }
            return [
                """
                CREATE TABLE \(ine)\(name) (
                  "id" INTEGER PRIMARY KEY AUTOINCREMENT,
                  "task_key" VARCHAR(64) NOT NULL DEFAULT '',
                  "task_status" VARCHAR(64) NOT NULL DEFAULT '',
                  "context" MEDIUMTEXT,
                  "argument" MEDIUMTEXT,
                  "extra" MEDIUMTEXT,
                  "created_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00',
                  "updated_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00'
                )
                """,
                index("task_key", "\"task_key\""),
                index("task_status_id", "\"task_status\", \"id\""),
                index("updated_at", "\"updated_at\""),
            ]
        }
    }

    /// Creates the task table named `name` on `db`, from the same definition as `model.sql`.
    ///
    /// - Throws: ``GTAError/invalidTableName`` before any SQL is sent when the name is not a
    ///   valid identifier; the database's error when a statement fails.
    public static func create(named name: String, on db: any GTADatabase, ifNotExists: Bool = true) async throws {
        let table = try TableName(name)
        let statements = createStatements(for: table, dialect: db.dialect, ifNotExists: ifNotExists)
        try await db.transaction { tx in
            for sql in statements { try await tx.execute(sql, []) }
            if tx.dialect.family == .sqlite {
                // Start auto ids above 10000, as on MySQL.
                let sequence = (table.schema.map { tx.dialect.quote($0) + "." } ?? "") + "sqlite_sequence"
                try await tx.execute(
                    "INSERT INTO \(sequence) (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM \(sequence) WHERE name = ?)",
                    [.string(table.name), .int(Int64(firstAutoID - 1)), .string(table.name)]
                )
            }
        }
    }
}
