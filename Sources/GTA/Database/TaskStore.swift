#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every statement the library sends about tasks, in one place (Go: `dal.go`); the lease
/// statements are in `TaskStore+Leases.swift`, the reading of rows in `TaskRowReader.swift`.
///
/// The table name reaches SQL only as ``TableName`` quoted by the dialect; every value is a
/// bound parameter. Statements are written with `?` and rendered in the dialect's placeholders.
/// Every status change names the status it expects; a change of a row this library leased also
/// names the lease's owner, so an instance that lost a lease can never overwrite its new owner.
struct TaskStore: Sendable {
    let dialect: any GTADialect
    let table: TableName
    /// What the table has beyond the Go original's columns, read once (`TaskTableSchema`).
    let features = TableFeatures()
    let t: String
    let columns = "id, task_key, task_status, context, argument, extra, created_at, updated_at"
    private let insertSQL: String

    init(table: TableName, dialect: any GTADialect) {
        self.dialect = dialect
        self.table = table
        let t = table.quoted(for: dialect)
        self.t = t
        var insert = "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        if case .returning(let column) = dialect.insertedID { insert += " RETURNING \(dialect.quote(column))" }
        self.insertSQL = dialect.placeholders(insert)
    }

    /// Runs the library's SQL (written with `?`) in the dialect's placeholders.
    @discardableResult
    func execute(_ sql: String, _ binds: [GTAValue], on db: any GTAExecutor) async throws -> GTAExecuteResult {
        try await db.execute(dialect.placeholders(sql), binds)
    }

    func query(_ sql: String, _ binds: [GTAValue], on db: any GTAExecutor) async throws -> [GTARow] {
        try await db.query(dialect.placeholders(sql), binds)
    }

    // MARK: Creating

    /// Inserts a task (its `extra` as the record has it) and returns its id. On a table with
    /// `run_at` the row's due time is written (its creation time, to the second, when it has
    /// none: rows are claimed in due order); its unique key when it has one.
    func insert(_ task: TaskRecord, schema: TaskTableSchema = TaskTableSchema(), on db: any GTAExecutor) async throws -> UInt64 {
        var binds = values(task)
        var sql = insertSQL
        if schema.hasRunAt || task.uniqueKey != nil {
            var columns = "task_key, task_status, context, argument, extra, created_at, updated_at"
            var marks = "?, ?, ?, ?, ?, ?, ?"
            if schema.hasRunAt {
                columns += ", run_at"
                marks += ", ?"
                binds.append(runAtValue(task))
            }
            if let unique = task.uniqueKey {
                columns += ", unique_key"
                marks += ", ?"
                binds.append(.string(unique))
            }
            var insert = "INSERT INTO \(t) (\(columns)) VALUES (\(marks))"
            if case .returning(let column) = dialect.insertedID { insert += " RETURNING \(dialect.quote(column))" }
            sql = dialect.placeholders(insert)
        }
        switch dialect.insertedID {
        case .lastInsertID:
            return try await db.execute(sql, binds).lastInsertID
        case .returning(let column):
            guard let row = try await db.query(sql, binds).first else {
                throw GTAError(.unexpected, "INSERT ... RETURNING \(column) returned no row")
            }
            return try row.decode(UInt64.self, column)
        }
    }

    /// Inserts tasks in multi-row statements of up to 256 rows and about 1 MiB of values (their
    /// ids are not needed).
    func insertMany(_ tasks: [TaskRecord], schema: TaskTableSchema = TaskTableSchema(), on db: any GTAExecutor) async throws {
        var chunks: [ArraySlice<TaskRecord>] = []
        var start = tasks.startIndex, bytes = 0
        for index in tasks.indices {
            let size = (tasks[index].argument?.count ?? 0) + (tasks[index].context?.count ?? 0) + 128
            if index > start, index - start == 256 || bytes + size > 1 << 20 {
                chunks.append(tasks[start..<index])
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < tasks.endIndex { chunks.append(tasks[start...]) }
        let runAt = schema.hasRunAt
        for chunk in chunks {
            let rows = Array(repeating: runAt ? "(?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            var binds: [GTAValue] = []
            binds.reserveCapacity(chunk.count * 8)
            for task in chunk {
                binds += values(task)
                if runAt { binds.append(runAtValue(task)) }
            }
            try await execute(
                "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at\(runAt ? ", run_at" : "")) VALUES \(rows)",
                binds, on: db)
        }
    }

    /// Inserts a task under a fixed id (built-in rows). A duplicate key is thrown.
    func insert(_ task: TaskRecord, id: UInt64, on db: any GTAExecutor) async throws {
        try await execute(
            "INSERT INTO \(t) (id, task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [.uint(id)] + values(task), on: db)
    }

    /// `run_at` of a new row: its due time, or its creation time rounded down to the second (so
    /// that it is due at once whatever the server does with fractions).
    private func runAtValue(_ task: TaskRecord) -> GTAValue {
        .date(task.runAt ?? Date(timeIntervalSince1970: task.createdAt.timeIntervalSince1970.rounded(.down)))
    }

    private func values(_ task: TaskRecord) -> [GTAValue] {
        [
            .string(task.taskKey.rawValue), .string(task.taskStatus.rawValue), text(task.context), text(task.argument),
            task.extra == TaskExtra() ? TaskExtra.empty : task.extra.stored, .date(task.createdAt), .date(task.updatedAt),
        ]
    }

    // MARK: Status changes (optimistic: each names the status it expects, and the owner when leased)

    /// Moves rows from `from` to `to`, only those whose lease `owner` holds when one is given;
    /// returns the rows changed.
    func updateStatus(ids: [UInt64], from: TaskStatus, to: TaskStatus, owner: LeaseOwner? = nil, on db: any GTAExecutor) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var changed = 0
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            let (lease, leaseBinds) = leaseCondition(owner)
            changed += try await execute(
                "UPDATE \(t) SET task_status = ?, updated_at = ? WHERE task_status = ?\(lease) AND id IN (\(list))",
                [.string(to.rawValue), .date(Date()), .string(from.rawValue)] + leaseBinds + binds, on: db
            ).rowsAffected
        }
        return changed
    }

    /// Deletes rows in `status` (whose lease `owner` holds, when given); returns the rows deleted.
    func delete(ids: [UInt64], status: TaskStatus, owner: LeaseOwner? = nil, on db: any GTAExecutor) async throws -> Int {
        var deleted = 0
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            let (lease, leaseBinds) = leaseCondition(owner)
            deleted += try await execute(
                "DELETE FROM \(t) WHERE task_status = ?\(lease) AND id IN (\(list))", [.string(status.rawValue)] + leaseBinds + binds, on: db
            ).rowsAffected
        }
        return deleted
    }

    /// Moves one leased row `running -> failed`, recording `extra` (attempts, last error).
    func fail(id: UInt64, extra: TaskExtra, owner: LeaseOwner, on db: any GTAExecutor) async throws -> Int {
        try await execute(
            "UPDATE \(t) SET task_status = ?, extra = ?, updated_at = ? WHERE id = ? AND task_status = ? AND extra LIKE ?",
            [.string(TaskStatus.failed.rawValue), extra.stored, .date(Date()), .uint(id), .string(TaskStatus.running.rawValue),
             .string(owner.pattern)], on: db
        ).rowsAffected
    }

    /// Moves one leased row `running -> initialized`, due at `runAt`, recording `extra`
    /// (attempts, last error; no owner): a persisted retry.
    func retry(id: UInt64, extra: TaskExtra, runAt: Date, owner: LeaseOwner, on db: any GTAExecutor) async throws -> Int {
        try await execute(
            "UPDATE \(t) SET task_status = ?, run_at = ?, extra = ?, updated_at = ? WHERE id = ? AND task_status = ? AND extra LIKE ?",
            [.string(TaskStatus.initialized.rawValue), .date(runAt), extra.stored, .date(Date()), .uint(id),
             .string(TaskStatus.running.rawValue), .string(owner.pattern)], on: db
        ).rowsAffected
    }

    /// The waiting or running task that holds the stored unique key `key`, if any: its id and
    /// status. Through the index: `unique_active` (MySQL, MariaDB) or the partial index on
    /// `unique_key` (SQLite, whose planner uses it only when the query repeats the index's
    /// condition as written).
    func holder(ofUniqueKey key: String, schema: TaskTableSchema, on db: any GTAExecutor) async throws -> (id: UInt64, status: TaskStatus)? {
        let condition = schema.columns.contains("unique_active")
            ? "unique_active = ?" : "unique_key = ? AND task_status IN ('initialized', 'running')"
        guard let row = try await query("SELECT id, task_status FROM \(t) WHERE \(condition) LIMIT 1", [.string(key)], on: db).first else {
            return nil
        }
        return (try row.decode(UInt64.self, "id"), TaskStatus(rawValue: (try? row.decode(String.self, "task_status")) ?? ""))
    }

    /// The status of each of `ids` that exists, and whether `owner` holds its lease.
    func statuses(ids: [UInt64], owner: LeaseOwner? = nil, on db: any GTAExecutor) async throws -> [UInt64: (TaskStatus, owned: Bool)] {
        var found: [UInt64: (TaskStatus, owned: Bool)] = [:]
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            for row in try await query("SELECT id, task_status, extra FROM \(t) WHERE id IN (\(list))", binds, on: db) {
                let extra = TaskExtra.read(try? row.decode([UInt8]?.self, "extra"))
                let status = TaskStatus(rawValue: (try? row.decode(String?.self, "task_status")) ?? nil ?? "")
                found[try row.decode(UInt64.self, "id")] = (status, owner.map { extra.owner == $0.id } ?? true)
            }
        }
        return found
    }

    // MARK: Metrics

    /// What waits for one key: its `initialized` rows (due ones, on a table with `run_at`), and
    /// how long the oldest of them has been waiting (since its `updated_at`, or its `run_at` when
    /// later; second precision).
    struct Waiting: Sendable, Hashable {
        var count: Int
        var oldest: Duration
    }

    /// The `initialized` rows of `keys`, counted per key with the age of the oldest, in one
    /// grouped query (for the queue gauges). A key with no waiting row is absent.
    ///
    /// `MIN(updated_at)` has no declared type on SQLite and comes back as the stored wall-time
    /// text; the bound `now` comes back the same way, so the age is the difference of the two
    /// texts, right in any configured time zone. A backend that types the aggregate (MariaDB)
    /// returns a date, compared with `now` directly.
    func waiting(keys: [TaskKey], now: Date, on db: any GTAExecutor) async throws -> [TaskKey: Waiting] {
        guard !keys.isEmpty else { return [:] }
        let (list, keyBinds) = inList(keys.map { .string($0.rawValue) })
        // On a table with run_at, only due rows wait, each since the later of its updated_at and run_at.
        let due = features.cached?.hasRunAt == true
        let since = due ? "CASE WHEN run_at > updated_at THEN run_at ELSE updated_at END" : "updated_at"
        let rows = try await query(
            """
            SELECT task_key, COUNT(*) AS waiting, MIN(\(since)) AS oldest, ? AS now_at FROM \(t) \
            WHERE task_status = ?\(due ? " AND run_at <= ?" : "") AND task_key IN (\(list)) GROUP BY task_key
            """,
            [.date(now), .string(TaskStatus.initialized.rawValue)] + (due ? [.date(now)] : []) + keyBinds, on: db)
        var found: [TaskKey: Waiting] = [:]
        for row in rows {
            guard let key = try? row.decode(String.self, "task_key"), let count = try? row.decode(Int.self, "waiting") else { continue }
            var age: TimeInterval = 0
            switch row["oldest"] {
            case .date(let oldest)?:
                age = now.timeIntervalSince(oldest)
            case .string(let text)?:
                if let oldest = Date(sqlValue: .string(text)), let reference = row["now_at"].flatMap(Date.init(sqlValue:)) {
                    age = reference.timeIntervalSince(oldest)
                }
            default:
                break
            }
            found[TaskKey(key)] = Waiting(count: count, oldest: .seconds(max(0, age)))
        }
        return found
    }

    // MARK: Helpers

    /// ` AND extra LIKE ?` with the owner's pattern, or nothing.
    func leaseCondition(_ owner: LeaseOwner?) -> (String, [GTAValue]) {
        guard let owner else { return ("", []) }
        return (" AND extra LIKE ?", [.string(owner.pattern)])
    }

    func text(_ value: [UInt8]?) -> GTAValue {
        guard let value else { return .null }
        return .string(String(decoding: value, as: UTF8.self))
    }

    /// A placeholder list for `values`, padded to a power of two (repeating the last value) so
    /// that a backend's statement cache sees few distinct statements.
    func inList(_ values: [GTAValue]) -> (String, [GTAValue]) {
        guard let last = values.last else { return ("NULL", []) }
        var size = 1
        while size < values.count { size <<= 1 }
        let padded = values + Array(repeating: last, count: size - values.count)
        return (Array(repeating: "?", count: size).joined(separator: ", "), padded)
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
