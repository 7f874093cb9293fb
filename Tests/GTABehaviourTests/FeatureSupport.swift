import Foundation
import GTAMariaDB
import Testing

@testable import GTA

extension TestTable {
    /// Drops the table and creates it again with the Go original's DDL (gta's `model.sql`:
    /// `idx_task_status (task_status)`, auto ids from 10000, none of this library's columns).
    func recreateAsGoTable() async throws {
        try await db.execute("DROP TABLE IF EXISTS \(quoted)", [])
        // A Go table has no schedules table beside it either.
        let schedules = ScheduleTable.name(forTasks: try TableName(name)).quoted(for: db.dialect)
        try await db.execute("DROP TABLE IF EXISTS \(schedules)", [])
        if db.dialect is MariaDBDialect {
            try await db.execute(
                """
                CREATE TABLE \(quoted) (`id` bigint unsigned NOT NULL AUTO_INCREMENT, `task_key` varchar(64) NOT NULL DEFAULT '',
                `task_status` varchar(64) NOT NULL DEFAULT '', `context` mediumtext, `argument` mediumtext, `extra` mediumtext,
                `created_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00', `updated_at` datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
                PRIMARY KEY (`id`), KEY `idx_task_key` (`task_key`), KEY `idx_task_status` (`task_status`), KEY `idx_updated_at` (`updated_at`)
                ) ENGINE=InnoDB AUTO_INCREMENT=10000 DEFAULT CHARSET=utf8mb4
                """, [])
        } else {
            try await db.execute(
                """
                CREATE TABLE \(quoted) ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "task_key" VARCHAR(64) NOT NULL DEFAULT '',
                "task_status" VARCHAR(64) NOT NULL DEFAULT '', "context" MEDIUMTEXT, "argument" MEDIUMTEXT, "extra" MEDIUMTEXT,
                "created_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00', "updated_at" DATETIME NOT NULL DEFAULT '1000-01-01 00:00:00')
                """, [])
            try await db.execute("CREATE INDEX \(db.dialect.quote("go_status_\(name)")) ON \(quoted) (task_status)", [])
        }
    }

    /// A row's `run_at`, as the database holds it.
    func runAt(_ id: UInt64) async throws -> Date? {
        try await db.query("SELECT run_at FROM \(quoted) WHERE id = ?", [.uint(id)]).first?.decode(Date.self, "run_at")
    }

    /// A row's `extra`, read.
    func extra(_ id: UInt64) async throws -> TaskExtra {
        TaskExtra.read(try await db.query("SELECT extra FROM \(quoted) WHERE id = ?", [.uint(id)]).first?.decode([UInt8]?.self, "extra"))
    }

    /// The status of one row.
    func status(_ id: UInt64) async throws -> TaskStatus? {
        try await statuses()[id]
    }

    /// Moves a row to `status` as the Go original does (no lease check, no other column).
    func goUpdate(_ id: UInt64, to status: TaskStatus) async throws {
        try await db.execute(
            "UPDATE \(quoted) SET task_status = ?, updated_at = ? WHERE id = ?", [.string(status.rawValue), .date(Date()), .uint(id)])
    }
}

/// What a handler saw, and when.
struct Seen: Sendable {
    var info: TaskInfo
    var at: Date
}
