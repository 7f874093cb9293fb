import Foundation
import GTA

/// Every statement the admin operations send, in one place (as `TaskStore` is for the engine).
///
/// Written with `?` and rendered in the dialect's placeholders; the table reaches SQL only as a
/// ``TableName`` quoted by the dialect; every value is bound.
struct OperationsSQL: Sendable {
    let dialect: any GTADialect
    let table: TableName
    let t: String
    let columns = "id, task_key, task_status, context, argument, extra, created_at, updated_at"

    init(table: TableName, dialect: any GTADialect) {
        self.dialect = dialect
        self.table = table
        self.t = table.quoted(for: dialect)
    }

    func query(_ sql: String, _ binds: [GTAValue], on db: any GTAExecutor) async throws -> [GTARow] {
        try await db.query(dialect.placeholders(sql), binds)
    }

    @discardableResult
    func execute(_ sql: String, _ binds: [GTAValue], on db: any GTAExecutor) async throws -> GTAExecuteResult {
        try await db.execute(dialect.placeholders(sql), binds)
    }

    // MARK: Conditions shared by stats, lists and reruns

    /// `running` rows whose worker is gone: a lease of this library not renewed since
    /// `leaseCutoff`, or no lease (the Go original's rows) and not updated since `runningCutoff`.
    func stuckCondition(leaseCutoff: Date, runningCutoff: Date) -> (String, [GTAValue]) {
        (
            "task_status = ? AND ((extra LIKE ? AND updated_at < ?) OR ((extra IS NULL OR extra NOT LIKE ?) AND updated_at < ?))",
            [
                .string(TaskStatus.running.rawValue), .string(LeaseOwner.anyLease), .date(leaseCutoff), .string(LeaseOwner.anyLease),
                .date(runningCutoff),
            ]
        )
    }

    /// The `WHERE` clause of a filter (without the id paging).
    func filterCondition(_ filter: TaskFilter, leaseCutoff: Date, runningCutoff: Date, now: Date) -> (String, [GTAValue]) {
        var parts: [String] = []
        var binds: [GTAValue] = []
        if let status = filter.status {
            parts.append("task_status = ?")
            binds.append(.string(status.rawValue))
        }
        if let key = filter.key {
            parts.append("task_key = ?")
            binds.append(.string(key.rawValue))
        } else if !filter.includeBuiltin {
            let (list, keyBinds) = inList(BuiltinTasks.keys.map { .string($0.rawValue) })
            parts.append("(task_key IS NULL OR task_key NOT IN (\(list)))")
            binds += keyBinds
        }
        if let olderThan = filter.olderThan {
            parts.append("updated_at < ?")
            binds.append(.date(now.addingTimeInterval(-olderThan.seconds)))
        }
        if filter.stuck {
            let (stuck, stuckBinds) = stuckCondition(leaseCutoff: leaseCutoff, runningCutoff: runningCutoff)
            parts.append("(\(stuck))")
            binds += stuckBinds
        }
        return (parts.isEmpty ? "1 = 1" : parts.joined(separator: " AND "), binds)
    }

    // MARK: Stats

    func countsByKeyAndStatus(on db: any GTAExecutor) async throws -> [GTARow] {
        try await query("SELECT task_key, task_status, COUNT(*) AS n FROM \(t) GROUP BY task_key, task_status", [], on: db)
    }

    /// The oldest waiting row per key. On a table with `run_at` (delayed tasks), only rows due by
    /// `now` wait, each since the later of its `updated_at` and `run_at`.
    func oldestInitializedByKey(now: Date, hasRunAt: Bool, on db: any GTAExecutor) async throws -> [GTARow] {
        guard hasRunAt else {
            return try await query(
                "SELECT task_key, MIN(updated_at) AS oldest FROM \(t) WHERE task_status = ? GROUP BY task_key",
                [.string(TaskStatus.initialized.rawValue)], on: db)
        }
        return try await query(
            "SELECT task_key, MIN(CASE WHEN run_at > updated_at THEN run_at ELSE updated_at END) AS oldest FROM \(t) "
                + "WHERE task_status = ? AND run_at <= ? GROUP BY task_key",
            [.string(TaskStatus.initialized.rawValue), .date(now)], on: db)
    }

    /// `running` rows with a lease not renewed since `cutoff`, per key.
    func expiredLeasesByKey(cutoff: Date, on db: any GTAExecutor) async throws -> [GTARow] {
        try await query(
            "SELECT task_key, COUNT(*) AS n FROM \(t) WHERE task_status = ? AND extra LIKE ? AND updated_at < ? GROUP BY task_key",
            [.string(TaskStatus.running.rawValue), .string(LeaseOwner.anyLease), .date(cutoff)], on: db)
    }

    /// `running` rows without a lease not updated since `cutoff`, per key.
    func overdueByKey(cutoff: Date, on db: any GTAExecutor) async throws -> [GTARow] {
        try await query(
            """
            SELECT task_key, COUNT(*) AS n FROM \(t) WHERE task_status = ? AND (extra IS NULL OR extra NOT LIKE ?) \
            AND updated_at < ? GROUP BY task_key
            """,
            [.string(TaskStatus.running.rawValue), .string(LeaseOwner.anyLease), .date(cutoff)], on: db)
    }

    /// The lease and last renewal of `running` rows that carry a lease, at most `limit`.
    func leases(limit: Int, on db: any GTAExecutor) async throws -> [GTARow] {
        try await query(
            "SELECT extra, updated_at FROM \(t) WHERE task_status = ? AND extra LIKE ? LIMIT ?",
            [.string(TaskStatus.running.rawValue), .string(LeaseOwner.anyLease), .int(Int64(limit))], on: db)
    }

    /// Finished rows per status and second since `since` (bucketed per minute by the caller:
    /// truncating a date is dialect-specific, grouping by the column is not).
    func finishedPerSecond(since: Date, on db: any GTAExecutor) async throws -> [GTARow] {
        try await query(
            """
            SELECT task_status, updated_at, COUNT(*) AS n FROM \(t) WHERE task_status IN (?, ?) AND updated_at >= ? \
            GROUP BY task_status, updated_at
            """,
            [.string(TaskStatus.succeeded.rawValue), .string(TaskStatus.failed.rawValue), .date(since)], on: db)
    }

    /// Every row of the schedules table `schedules`, by key.
    func schedules(_ schedules: TableName, on db: any GTAExecutor) async throws -> [GTARow] {
        try await query(
            "SELECT task_key, schedule, last_due, next_due, last_task_id FROM \(schedules.quoted(for: dialect)) ORDER BY task_key", [], on: db)
    }

    // MARK: Lists and rows

    func list(condition: (String, [GTAValue]), after: UInt64?, limit: Int, on db: any GTAExecutor) async throws -> [GTARow] {
        var binds = condition.1
        var paging = ""
        if let after {
            paging = " AND id > ?"
            binds.append(.uint(after))
        }
        binds.append(.int(Int64(limit)))
        return try await query("SELECT \(columns) FROM \(t) WHERE \(condition.0)\(paging) ORDER BY id LIMIT ?", binds, on: db)
    }

    func count(condition: (String, [GTAValue]), on db: any GTAExecutor) async throws -> Int {
        let rows = try await query("SELECT COUNT(*) AS n FROM \(t) WHERE \(condition.0)", condition.1, on: db)
        return try rows.first?.decode(Int.self, "n") ?? 0
    }

    func row(id: UInt64, on db: any GTAExecutor) async throws -> GTARow? {
        try await query("SELECT \(columns) FROM \(t) WHERE id = ?", [.uint(id)], on: db).first
    }

    /// Id, key, status, extra and last update of rows matching `condition`, in id order.
    func candidates(condition: (String, [GTAValue]), limit: Int, on db: any GTAExecutor) async throws -> [GTARow] {
        try await query(
            "SELECT id, task_key, task_status, extra, updated_at FROM \(t) WHERE \(condition.0) ORDER BY id LIMIT ?",
            condition.1 + [.int(Int64(limit))], on: db)
    }

    func candidates(ids: [UInt64], on db: any GTAExecutor) async throws -> [GTARow] {
        var rows: [GTARow] = []
        for chunk in chunks(ids, 1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            rows += try await query("SELECT id, task_key, task_status, extra, updated_at FROM \(t) WHERE id IN (\(list))", binds, on: db)
        }
        return rows
    }

    // MARK: Rerun

    /// Moves rows from `status` to `initialized`, as `TaskManager.forceRerunTasks` does: only rows
    /// still in `status` (and, for `running`, still stuck) move. Returns the rows moved.
    func rerun(ids: [UInt64], from status: TaskStatus, stuck: (String, [GTAValue])?, now: Date, on db: any GTAExecutor) async throws -> Int {
        var moved = 0
        for chunk in chunks(ids, 1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            var condition = "task_status = ?"
            var conditionBinds: [GTAValue] = [.string(status.rawValue)]
            if let stuck {
                condition = "(\(stuck.0))"
                conditionBinds = stuck.1
            }
            moved += try await execute(
                "UPDATE \(t) SET task_status = ?, updated_at = ? WHERE \(condition) AND id IN (\(list))",
                [.string(TaskStatus.initialized.rawValue), .date(now)] + conditionBinds + binds, on: db
            ).rowsAffected
        }
        return moved
    }

    // MARK: Helpers

    /// A placeholder list, padded to a power of two (repeating the last value) so that a
    /// statement cache sees few distinct statements.
    func inList(_ values: [GTAValue]) -> (String, [GTAValue]) {
        guard let last = values.last else { return ("NULL", []) }
        var size = 1
        while size < values.count { size <<= 1 }
        return (Array(repeating: "?", count: size).joined(separator: ", "), values + Array(repeating: last, count: size - values.count))
    }

    func chunks<T>(_ values: [T], _ size: Int) -> [ArraySlice<T>] {
        stride(from: 0, to: values.count, by: size).map { values[$0..<min($0 + size, values.count)] }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (s, atto) = components
        return TimeInterval(s) + TimeInterval(atto) / 1e18
    }
}
