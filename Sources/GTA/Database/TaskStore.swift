import Foundation

/// Every statement the library sends about tasks, in one place (Go: `dal.go`).
///
/// The table name reaches SQL only as ``TableName`` quoted by the dialect; every value is a
/// bound parameter.
struct TaskStore: Sendable {
    let dialect: any GTADialect
    private let t: String
    private let columns = "id, task_key, task_status, context, argument, extra, created_at, updated_at"

    init(table: TableName, dialect: any GTADialect) {
        self.dialect = dialect
        let t = table.quoted(for: dialect)
        self.t = t
        var insert = "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        if case .returning(let column) = dialect.insertedID { insert += " RETURNING \(dialect.quote(column))" }
        self.insertSQL = dialect.placeholders(insert)
        self.finishSQL = dialect.placeholders("UPDATE \(t) SET task_status = ?, updated_at = ? WHERE id = ? AND task_status = ?")
    }

    private let insertSQL: String
    private let finishSQL: String

    /// Runs the library's SQL (written with `?`) in the dialect's placeholders.
    @discardableResult
    private func execute(_ sql: String, _ binds: [GTAValue], on db: any GTAExecutor) async throws -> GTAExecuteResult {
        try await db.execute(dialect.placeholders(sql), binds)
    }

    private func query(_ sql: String, _ binds: [GTAValue], on db: any GTAExecutor) async throws -> [GTARow] {
        try await db.query(dialect.placeholders(sql), binds)
    }

    // MARK: Creating

    /// Inserts a task and returns its id.
    func insert(_ task: TaskRecord, on db: any GTAExecutor) async throws -> UInt64 {
        let binds: [GTAValue] = [
            .string(task.taskKey.rawValue), .string(task.taskStatus.rawValue), bytes(task.context),
            bytes(task.argument), .bytes(TaskExtra.json), .date(task.createdAt), .date(task.updatedAt),
        ]
        switch dialect.insertedID {
        case .lastInsertID:
            return try await db.execute(insertSQL, binds).lastInsertID
        case .returning(let column):
            guard let row = try await db.query(insertSQL, binds).first else {
                throw GTAError(.unexpected, "INSERT ... RETURNING \(column) returned no row")
            }
            return try row.decode(UInt64.self, column)
        }
    }

    /// Inserts tasks in multi-row statements of up to 256 rows (their ids are not needed).
    func insertMany(_ tasks: [TaskRecord], on db: any GTAExecutor) async throws {
        for chunk in tasks.chunked(256) {
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            var binds: [GTAValue] = []
            binds.reserveCapacity(chunk.count * 7)
            for task in chunk {
                binds += [
                    .string(task.taskKey.rawValue), .string(task.taskStatus.rawValue), bytes(task.context), bytes(task.argument),
                    .bytes(TaskExtra.json), .date(task.createdAt), .date(task.updatedAt),
                ]
            }
            try await execute(
                "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES \(values)", binds, on: db)
        }
    }

    /// Inserts a task under a fixed id (built-in rows). A duplicate key is thrown.
    func insert(_ task: TaskRecord, id: UInt64, on db: any GTAExecutor) async throws {
        try await execute(
            "INSERT INTO \(t) (id, task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .uint(id), .string(task.taskKey.rawValue), .string(task.taskStatus.rawValue), bytes(task.context),
                bytes(task.argument), .bytes(TaskExtra.json), .date(task.createdAt), .date(task.updatedAt),
            ], on: db)
    }

    // MARK: Status changes (optimistic: each names the status it expects)

    /// Moves one row from `from` to `to`; returns the rows changed (0 or 1).
    func updateStatus(id: UInt64, from: TaskStatus, to: TaskStatus, on db: any GTAExecutor) async throws -> Int {
        try await db.execute(finishSQL, [.string(to.rawValue), .date(Date()), .uint(id), .string(from.rawValue)]).rowsAffected
    }

    /// Moves rows from `from` to `to`; returns the rows changed.
    func updateStatus(ids: [UInt64], from: TaskStatus, to: TaskStatus, on db: any GTAExecutor) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var changed = 0
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            changed += try await execute(
                "UPDATE \(t) SET task_status = ?, updated_at = ? WHERE task_status = ? AND id IN (\(list))",
                [.string(to.rawValue), .date(Date()), .string(from.rawValue)] + binds, on: db
            ).rowsAffected
        }
        return changed
    }

    /// Deletes rows in `status`; returns the rows deleted.
    func delete(ids: [UInt64], status: TaskStatus, on db: any GTAExecutor) async throws -> Int {
        var deleted = 0
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            deleted += try await execute(
                "DELETE FROM \(t) WHERE task_status = ? AND id IN (\(list))", [.string(status.rawValue)] + binds, on: db
            ).rowsAffected
        }
        return deleted
    }

    /// The status of each of `ids` that exists.
    func statuses(ids: [UInt64], on db: any GTAExecutor) async throws -> [UInt64: TaskStatus] {
        var found: [UInt64: TaskStatus] = [:]
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            for row in try await query("SELECT id, task_status FROM \(t) WHERE id IN (\(list))", binds, on: db) {
                found[try row.decode(UInt64.self, "id")] = TaskStatus(rawValue: try row.decode(String.self, "task_status"))
            }
        }
        return found
    }

    // MARK: Claiming

    /// Claims up to `limit` `initialized` rows of `keys` in one short transaction: select them
    /// with the dialect's skip-locked clause, then move them to `running` optimistically.
    /// Rows of `sensitiveKeys` are taken only when updated at or after `initializedAfter`.
    func claim(
        keys: [TaskKey], sensitiveKeys: [TaskKey], initializedAfter: Date, limit: Int, on db: any GTADatabase
    ) async throws -> [TaskRecord] {
        guard limit > 0, !(keys.isEmpty && sensitiveKeys.isEmpty) else { return [] }
        var conditions: [String] = []
        var binds: [GTAValue] = [.string(TaskStatus.initialized.rawValue)]
        if !keys.isEmpty {
            let (list, b) = inList(keys.map { .string($0.rawValue) })
            conditions.append("task_key IN (\(list))")
            binds += b
        }
        if !sensitiveKeys.isEmpty {
            let (list, b) = inList(sensitiveKeys.map { .string($0.rawValue) })
            conditions.append("(task_key IN (\(list)) AND updated_at >= ?)")
            binds += b + [.date(initializedAfter)]
        }
        binds.append(.int(Int64(limit)))
        let skipLocked = dialect.lockForUpdateSkipLocked
        // Without SKIP LOCKED, select without a lock (a plain FOR UPDATE would make instances
        // queue behind each other) and race on the optimistic update, as the original does.
        let lock = skipLocked ?? ""
        let select = dialect.placeholders(
            "SELECT \(columns) FROM \(t) WHERE task_status = ? AND (\(conditions.joined(separator: " OR "))) ORDER BY id LIMIT ? \(lock)")
        let batchUpdate = skipLocked != nil || dialect.writeTransactionsAreExclusive
        let selectBinds = binds
        let claimed: [TaskRecord] = try await db.transaction(isolation: .readCommitted) { tx in
            let found = try await tx.query(select, selectBinds).map(Self.record)
            guard !found.isEmpty else { return [] }
            let now = Date()
            if batchUpdate {
                // The rows are locked by this transaction (SKIP LOCKED, or SQLite's write lock).
                let changed = try await self.updateStatus(ids: found.map(\.id), from: .initialized, to: .running, on: tx)
                if changed == found.count {
                    return found.map { var r = $0; r.taskStatus = .running; r.updatedAt = now; return r }
                }
                throw GTAError(.zeroRowsAffected, "claim of \(found.count) locked rows changed \(changed)")
            }
            // The original's optimistic claim: keep the rows this instance moved.
            var mine: [TaskRecord] = []
            for var record in found
            where try await self.updateStatus(id: record.id, from: .initialized, to: .running, on: tx) == 1 {
                record.taskStatus = .running
                record.updatedAt = now
                mine.append(record)
            }
            return mine
        }
        return claimed
    }

    // MARK: Built-in rows

    /// Reads one row and locks it for the transaction.
    func getForUpdate(id: UInt64, on tx: any GTATransaction) async throws -> TaskRecord? {
        try await query("SELECT \(columns) FROM \(t) WHERE id = ? \(dialect.lockForUpdate)", [.uint(id)], on: tx).first.map(Self.record)
    }

    /// Re-arms a built-in row: `initialized` with a fresh argument and context. Only a row that
    /// still carries `key` is touched.
    func rearm(id: UInt64, key: TaskKey, context: [UInt8]?, argument: [UInt8]?, on tx: any GTATransaction) async throws -> Int {
        try await execute(
            "UPDATE \(t) SET task_status = ?, context = ?, argument = ?, updated_at = ? WHERE id = ? AND task_key = ?",
            [.string(TaskStatus.initialized.rawValue), bytes(context), bytes(argument), .date(Date()), .uint(id), .string(key.rawValue)],
            on: tx
        ).rowsAffected
    }

    /// Deletes `succeeded` rows last updated before `before`, built-in rows excepted.
    func deleteSucceeded(before: Date, excluding builtinKeys: [TaskKey], on db: any GTAExecutor) async throws -> Int {
        let (list, keyBinds) = inList(builtinKeys.map { .string($0.rawValue) })
        let binds: [GTAValue] = [.string(TaskStatus.succeeded.rawValue), .date(before)] + keyBinds
        let base = "DELETE FROM \(t) WHERE task_status = ? AND updated_at < ? AND task_key NOT IN (\(list))"
        guard dialect.supportsDeleteLimit else { return try await execute(base, binds, on: db).rowsAffected }
        // Delete in slices so that no statement holds many locks for long.
        var total = 0
        while true {
            let n = try await execute(base + " LIMIT 1000", binds, on: db).rowsAffected
            total += n
            if n < 1000 { return total }
        }
    }

    /// `running` rows updated before `runningBefore` and `initialized` rows updated before
    /// `initializedBefore`, all updated after `notBefore`, built-in rows excepted.
    func queryAbnormal(
        runningBefore: Date, initializedBefore: Date, notBefore: Date, excluding builtinKeys: [TaskKey], on db: any GTAExecutor
    ) async throws -> [TaskRecord] {
        let (list, keyBinds) = inList(builtinKeys.map { .string($0.rawValue) })
        return try await query(
            """
            SELECT \(columns) FROM \(t) WHERE updated_at > ? AND task_key NOT IN (\(list)) AND \
            ((task_status = ? AND updated_at < ?) OR (task_status = ? AND updated_at < ?)) ORDER BY id LIMIT 1000
            """,
            [.date(notBefore)] + keyBinds + [
                .string(TaskStatus.running.rawValue), .date(runningBefore),
                .string(TaskStatus.initialized.rawValue), .date(initializedBefore),
            ], on: db
        ).map(Self.record)
    }

    // MARK: Manual operations

    /// Rows not `succeeded`, built-in rows excepted, in id order.
    func queryUnsuccessful(limit: Int, offset: Int, excluding builtinKeys: [TaskKey], on db: any GTAExecutor) async throws -> [TaskRecord] {
        let (list, keyBinds) = inList(builtinKeys.map { .string($0.rawValue) })
        return try await query(
            "SELECT \(columns) FROM \(t) WHERE task_status <> ? AND task_key NOT IN (\(list)) ORDER BY id LIMIT ? OFFSET ?",
            [.string(TaskStatus.succeeded.rawValue)] + keyBinds + [.int(Int64(limit)), .int(Int64(offset))], on: db
        ).map(Self.record)
    }

    // MARK: Helpers

    private func bytes(_ value: [UInt8]?) -> GTAValue {
        guard let value else { return .null }
        return .string(String(decoding: value, as: UTF8.self))
    }

    /// A placeholder list for `values`, padded to a power of two (repeating the last value) so
    /// that a backend's statement cache sees few distinct statements.
    private func inList(_ values: [GTAValue]) -> (String, [GTAValue]) {
        guard let last = values.last else { return ("NULL", []) }
        var size = 1
        while size < values.count { size <<= 1 }
        let padded = values + Array(repeating: last, count: size - values.count)
        return (Array(repeating: "?", count: size).joined(separator: ", "), padded)
    }

    /// Reads a task row; a column that does not convert throws a ``GTADecodingError``.
    static func record(_ row: GTARow) throws -> TaskRecord {
        TaskRecord(
            id: try row.decode(UInt64.self, "id"),
            taskKey: TaskKey(try row.decode(String.self, "task_key")),
            taskStatus: TaskStatus(rawValue: try row.decode(String.self, "task_status")),
            context: try row.decode([UInt8]?.self, "context"),
            argument: try row.decode([UInt8]?.self, "argument"),
            extra: TaskExtra(),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at")
        )
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
