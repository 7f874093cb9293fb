#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TaskStore {
    /// Renews `owner`'s leases of `ids` (their `updated_at` becomes now) in one statement per
    /// 1024 ids. Returns the ids whose lease `owner` no longer holds (rescued, or moved by
    /// someone else); they must be given up.
    func renew(ids: [UInt64], owner: LeaseOwner, on db: any GTAExecutor) async throws -> [UInt64] {
        var lost: [UInt64] = []
        for chunk in ids.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            let changed = try await ConflictRetry.run {
                try await execute(
                    "UPDATE \(t) SET updated_at = ? WHERE task_status = ? AND extra LIKE ? AND id IN (\(list))",
                    [.date(Date()), .string(TaskStatus.running.rawValue), .string(owner.pattern)] + binds, on: db
                ).rowsAffected
            }
            guard changed < chunk.count else { continue }
            // MySQL counts rows changed, not matched (a renewal within the same second changes
            // nothing): ask which rows are still this owner's.
            let held = try await query(
                "SELECT id FROM \(t) WHERE task_status = ? AND extra LIKE ? AND id IN (\(list))",
                [.string(TaskStatus.running.rawValue), .string(owner.pattern)] + binds, on: db
            ).compactMap { try? $0.decode(UInt64.self, "id") }
            let heldSet = Set(held)
            lost += chunk.filter { !heldSet.contains($0) }
        }
        return lost
    }

    /// A row whose lease expired, as the rescue found it.
    struct Rescue: Sendable {
        var id: UInt64
        var key: TaskKey
        var previousOwner: String?
        /// Where the row went: `initialized`, or `failed` once it lost its worker too often.
        var status: TaskStatus
        var extra: TaskExtra
    }

    /// Rescues up to `limit` `running` rows of `keys` whose lease (of any instance of this
    /// library) was last renewed before `expiredBefore`: each goes back to `initialized` with
    /// `lost` counted, or to `failed` with the reason once `lost` exceeds `lostLimit`. Rows
    /// without a lease (the Go original's) are never touched.
    func rescue(keys: [TaskKey], expiredBefore: Date, lostLimit: Int, limit: Int, on db: any GTADatabase) async throws -> [Rescue] {
        guard !keys.isEmpty, limit > 0 else { return [] }
        let (list, keyBinds) = inList(keys.map { .string($0.rawValue) })
        let binds: [GTAValue] =
            [.string(TaskStatus.running.rawValue)] + keyBinds + [.date(expiredBefore), .string(LeaseOwner.anyLease), .int(Int64(limit))]
        return try await ConflictRetry.run { try await db.transaction(isolation: .readCommitted) { tx in
            // The skip-locked clause as the database knows it now (see claim).
            let select = """
                SELECT id, task_key, extra FROM \(self.t) WHERE task_status = ? AND task_key IN (\(list)) AND updated_at < ? \
                AND extra LIKE ? ORDER BY id LIMIT ? \(db.dialect.lockForUpdateSkipLocked ?? "")
                """
            var rescued: [Rescue] = []
            for row in try await self.query(select, binds, on: tx) {
                guard let id = try? row.decode(UInt64.self, "id") else { continue }
                var extra = TaskExtra.read(try? row.decode([UInt8]?.self, "extra"))
                let previous = extra.owner
                extra.owner = nil
                extra.lost += 1
                let status: TaskStatus
                if extra.lost > lostLimit {
                    status = .failed
                    extra.lastError = TaskExtra.bounded(
                        "lost its worker \(extra.lost) times (last owner \(previous ?? "unknown")); failed instead of run again")
                } else {
                    status = .initialized
                }
                // Only if still expired: a renewal that came meanwhile wins.
                let changed = try await self.execute(
                    "UPDATE \(self.t) SET task_status = ?, extra = ?, updated_at = ? WHERE id = ? AND task_status = ? AND updated_at < ?",
                    [.string(status.rawValue), extra.stored, .date(Date()), .uint(id), .string(TaskStatus.running.rawValue),
                     .date(expiredBefore)], on: tx
                ).rowsAffected
                if changed == 1 {
                    let key = TaskKey((try? row.decode(String.self, "task_key")) ?? "")
                    rescued.append(Rescue(id: id, key: key, previousOwner: previous, status: status, extra: extra))
                }
            }
            return rescued
        } }
    }
}
