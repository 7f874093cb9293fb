#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTAMariaDB

/// The task table, from the library's own definition.
enum BenchTable {
    static let key: TaskKey = "bench"

    /// A manager on `table` (default options) with the bench task registered: its argument is
    /// the task's number, handed to `handler`. Every manager the benchmark makes comes from here,
    /// in this process and in B2x4's workers.
    /// `options` are added to the defaults (B2's variants: `.withPoolSize(16)`); a `delay`
    /// makes each handler sleep that long after `handler` (B2's 1 ms variant).
    static func manager(
        on db: MariaDBDatabase, table: String, options: [Option] = [], delay: Duration? = nil,
        handler: @escaping @Sendable (Int) -> Void
    ) throws -> TaskManager {
        let manager = try TaskManager(db: db, table: table, options: options)
        try manager.register(key, TaskDefinition(argumentType: Int.self) { _, n in
            handler(n)
            if let delay { try await Task.sleep(for: delay) }
        })
        return manager
    }

    static func recreate(_ name: String, on db: any GTADatabase) async throws {
        let table = try TableName(name)
        try await db.execute("DROP TABLE IF EXISTS \(table.quoted(for: db.dialect))")
        try await TaskTable.create(named: name, on: db)
    }

    /// `n` rows `initialized` with arguments 0..<n, in multi-row inserts inside one transaction.
    static func insertInitialized(_ n: Int, table name: String, on db: any GTADatabase) async throws {
        let t = try TableName(name).quoted(for: db.dialect)
        try await db.transaction { tx in
            var start = 0
            // One statement text, bound, for every full chunk (the connector prepares it once).
            while start < n {
                let end = min(n, start + 500)
                let values = Array(repeating: "('bench', 'initialized', NULL, ?, '{}', NOW(), NOW())", count: end - start).joined(separator: ", ")
                try await tx.execute(
                    "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES \(values)",
                    (start..<end).map { .string(String($0)) })
                start = end
            }
        }
    }

    static func count(_ name: String, status: String?, on db: any GTADatabase) async throws -> Int {
        let t = try TableName(name).quoted(for: db.dialect)
        let rows: [GTARow]
        if let status {
            rows = try await db.query("SELECT COUNT(*) AS c FROM \(t) WHERE task_status = ? AND task_key = ?", [.string(status), .string(key.rawValue)])
        } else {
            rows = try await db.query("SELECT COUNT(*) AS c FROM \(t) WHERE task_key = ?", [.string(key.rawValue)])
        }
        return Int(try rows.first?.decode(Int64.self, "c") ?? 0)
    }

    /// Waits until `n` rows of the bench key are `succeeded`, polling every `every`.
    static func waitSucceeded(_ n: Int, table: String, on db: any GTADatabase, every: Duration = .milliseconds(2)) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while try await count(table, status: "succeeded", on: db) < n {
            if ContinuousClock.now > deadline { throw BenchError("timed out waiting for \(n) succeeded rows") }
            try await Task.sleep(for: every)
        }
    }
}

/// Opens the pool's connections before timing starts (they open lazily).
func warmUp(_ db: MariaDBDatabase) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<db.configuration.maximumConnections {
            group.addTask { () async throws -> Void in
                _ = try await db.transaction(isolation: nil) { tx -> Int in
                    try await tx.execute("DO SLEEP(0.01)")
                    return 0
                }
            }
        }
        try await group.waitForAll()
    }
}
