#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TaskStore {
    /// What one claim did.
    struct Claim: Sendable {
        /// Rows now `running` under this instance's lease.
        var claimed: [TaskRecord] = []
        /// Rows that did not read (see ``TaskRecord/problems``), moved to `failed` by id.
        var poisoned: [TaskRecord] = []
    }

    /// Claims up to `limit` `initialized` rows of `keys` in one short transaction: select them
    /// with the dialect's skip-locked clause, then move them to `running` under `owner`'s lease
    /// (`runs` counted in `extra`). Rows of `sensitiveKeys` are taken only when updated at or
    /// after `initializedAfter`. A row that does not read is failed by id and the rest go on.
    ///
    /// On a table with `run_at` (``TaskTableSchema/hasRunAt``) only rows due by `now` are taken,
    /// in due order: `WHERE task_status = ? AND run_at <= ? ... ORDER BY run_at, id`, one range of
    /// the index `(task_status, run_at, id)` however many rows wait for a later time. A sensitive
    /// row then counts as initialized since the later of its `updated_at` and `run_at`. Without
    /// the column, the original's claim in id order.
    func claim(
        keys: [TaskKey], sensitiveKeys: [TaskKey], initializedAfter: Date, limit: Int, owner: LeaseOwner,
        schema: TaskTableSchema = TaskTableSchema(), now: Date = Date(), on db: any GTADatabase
    ) async throws -> Claim {
        guard limit > 0, !(keys.isEmpty && sensitiveKeys.isEmpty) else { return Claim() }
        let due = schema.hasRunAt
        var conditions: [String] = []
        var binds: [GTAValue] = [.string(TaskStatus.initialized.rawValue)]
        if due { binds.append(.date(now)) }
        if !keys.isEmpty {
            let (list, b) = inList(keys.map { .string($0.rawValue) })
            conditions.append("task_key IN (\(list))")
            binds += b
        }
        if !sensitiveKeys.isEmpty {
            let (list, b) = inList(sensitiveKeys.map { .string($0.rawValue) })
            if due {
                conditions.append("(task_key IN (\(list)) AND (updated_at >= ? OR run_at >= ?))")
                binds += b + [.date(initializedAfter), .date(initializedAfter)]
            } else {
                conditions.append("(task_key IN (\(list)) AND updated_at >= ?)")
                binds += b + [.date(initializedAfter)]
            }
        }
        binds.append(.int(Int64(limit)))
        let selectBinds = binds
        let condition = conditions.joined(separator: " OR ")
        return try await ConflictRetry.run { try await db.transaction(isolation: .readCommitted) { tx in
            // Read at claim time, inside the transaction: a backend may learn from its first
            // connection whether the server has SKIP LOCKED.
            let skipLocked = db.dialect.lockForUpdateSkipLocked
            // Without SKIP LOCKED, select without a lock (a plain FOR UPDATE would make instances
            // queue behind each other) and race on the optimistic update, as the original does.
            let select = due
                ? "SELECT \(self.columns), run_at FROM \(self.t) WHERE task_status = ? AND run_at <= ? AND (\(condition)) ORDER BY run_at, id LIMIT ? \(skipLocked ?? "")"
                : "SELECT \(self.columns) FROM \(self.t) WHERE task_status = ? AND (\(condition)) ORDER BY id LIMIT ? \(skipLocked ?? "")"
            let locked = skipLocked != nil || self.dialect.writeTransactionsAreExclusive
            var claim = Claim()
            var found: [TaskRecord] = []
            let rows = try await self.query(select, selectBinds, on: tx)
            if !due, self.features.cached?.hasRunAt == true {
                // The table gained run_at while this claim ran (a migration, seen by a creator
                // before it wrote a delayed row): a claim that ignores run_at could take that row
                // early. Take nothing; the next claim uses run_at.
                return claim
            }
            for record in TaskRowReader.readAll(rows).records {
                if record.problems.isEmpty { found.append(record) } else { claim.poisoned.append(record) }
            }
            for record in claim.poisoned {
                try await self.failUnreadable(record, from: .initialized, on: tx)
            }
            guard !found.isEmpty else { return claim }
            let now = Date()
            let leased = found.map { record -> TaskRecord in
                var record = record
                record.taskStatus = .running
                record.updatedAt = now
                record.extra.owner = owner.id
                record.extra.runs += 1
                return record
            }
            if locked {
                // The rows are locked by this transaction (SKIP LOCKED, or SQLite's write lock).
                let changed = try await self.lease(leased, at: now, on: tx)
                guard changed == leased.count else {
                    throw GTAError(.zeroRowsAffected, "claim of \(leased.count) locked rows changed \(changed)")
                }
                claim.claimed = leased
                return claim
            }
            // The original's optimistic claim: keep the rows this instance moved.
            for record in leased where try await self.lease([record], at: now, on: tx) == 1 {
                claim.claimed.append(record)
            }
            return claim
        } }
    }

    /// Moves `initialized` rows to `running` with each one's lease in `extra`, in one statement.
    private func lease(_ records: [TaskRecord], at now: Date, on tx: any GTATransaction) async throws -> Int {
        var changed = 0
        for chunk in records.chunked(256) {
            // CASE id WHEN ? THEN ? ...: each row's own extra; padded like the id list.
            var size = 1
            while size < chunk.count { size <<= 1 }
            let padded = Array(chunk) + Array(repeating: chunk[chunk.endIndex - 1], count: size - chunk.count)
            var cases: [GTAValue] = []
            cases.reserveCapacity(size * 2)
            for record in padded { cases += [.uint(record.id), record.extra.stored] }
            let (list, ids) = inList(padded.map { .uint($0.id) })
            let whens = Array(repeating: "WHEN ? THEN ?", count: size).joined(separator: " ")
            changed += try await execute(
                "UPDATE \(t) SET task_status = ?, updated_at = ?, extra = CASE id \(whens) ELSE extra END WHERE task_status = ? AND id IN (\(list))",
                [.string(TaskStatus.running.rawValue), .date(now)] + cases + [.string(TaskStatus.initialized.rawValue)] + ids, on: tx
            ).rowsAffected
        }
        return changed
    }

    /// Fails a row that does not read, by id, recording what could not be read.
    func failUnreadable(_ record: TaskRecord, from status: TaskStatus, on db: any GTAExecutor) async throws {
        var extra = record.extra
        extra.owner = nil
        extra.lastError = TaskExtra.bounded("unreadable row: " + record.problems.joined(separator: "; "))
        try await execute(
            "UPDATE \(t) SET task_status = ?, extra = ?, updated_at = ? WHERE id = ? AND task_status = ?",
            [.string(TaskStatus.failed.rawValue), extra.stored, .date(Date()), .uint(record.id), .string(status.rawValue)], on: db)
    }

    // MARK: Built-in rows

    /// Reads one row and locks it for the transaction.
    func getForUpdate(id: UInt64, on tx: any GTATransaction) async throws -> TaskRecord? {
        try await query("SELECT \(columns) FROM \(t) WHERE id = ? \(dialect.lockForUpdate)", [.uint(id)], on: tx).first.flatMap(TaskRowReader.read)
    }

    /// Re-arms a built-in row: `initialized` with a fresh argument and context and no lease. Only
    /// a row that still carries `key` is touched.
    func rearm(id: UInt64, key: TaskKey, context: [UInt8]?, argument: [UInt8]?, on tx: any GTATransaction) async throws -> Int {
        try await execute(
            "UPDATE \(t) SET task_status = ?, context = ?, argument = ?, extra = ?, updated_at = ? WHERE id = ? AND task_key = ?",
            [.string(TaskStatus.initialized.rawValue), text(context), text(argument), TaskExtra.empty, .date(Date()), .uint(id),
             .string(key.rawValue)],
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
    /// `initializedBefore`, all updated after `notBefore`, plus rows without a key or with a status
    /// none of the four; built-in rows excepted. Rows that do not read are listed with what reads.
    /// On a table with `run_at`, an `initialized` row is abnormal only once it has also been due
    /// for the initialized timeout (a delayed row waits without being reported).
    func queryAbnormal(
        runningBefore: Date, initializedBefore: Date, notBefore: Date, excluding builtinKeys: [TaskKey], on db: any GTAExecutor
    ) async throws -> [TaskRecord] {
        let (list, keyBinds) = inList(builtinKeys.map { .string($0.rawValue) })
        let due = (try? await features.schema(table, on: db).hasRunAt) ?? false
        let known: [GTAValue] = [TaskStatus.initialized, .running, .succeeded, .failed].map { .string($0.rawValue) }
        return TaskRowReader.readAll(try await query(
            """
            SELECT \(columns) FROM \(t) WHERE (task_key IS NULL OR task_key NOT IN (\(list))) AND (\
            (updated_at > ? AND ((task_status = ? AND updated_at < ?) OR (task_status = ? AND updated_at < ?\(due ? " AND run_at < ?" : "")))) \
            OR task_key IS NULL OR task_key = '' OR task_status IS NULL OR task_status NOT IN (?, ?, ?, ?)) ORDER BY id LIMIT 1000
            """,
            keyBinds + [
                .date(notBefore), .string(TaskStatus.running.rawValue), .date(runningBefore),
                .string(TaskStatus.initialized.rawValue), .date(initializedBefore),
            ] + (due ? [.date(initializedBefore)] : []) + known, on: db
        )).records
    }

    // MARK: Manual operations

    /// Rows not `succeeded`, built-in rows excepted, in id order; rows that do not read are
    /// listed with what reads.
    func queryUnsuccessful(limit: Int, offset: Int, excluding builtinKeys: [TaskKey], on db: any GTAExecutor) async throws -> [TaskRecord] {
        let (list, keyBinds) = inList(builtinKeys.map { .string($0.rawValue) })
        return TaskRowReader.readAll(try await query(
            """
            SELECT \(columns) FROM \(t) WHERE (task_status IS NULL OR task_status <> ?) \
            AND (task_key IS NULL OR task_key NOT IN (\(list))) ORDER BY id LIMIT ? OFFSET ?
            """,
            [.string(TaskStatus.succeeded.rawValue)] + keyBinds + [.int(Int64(limit)), .int(Int64(offset))], on: db
        )).records
    }
}
