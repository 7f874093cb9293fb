#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TaskStore {
    /// Moves the `initialized` rows among `ids` to `failed`, built-in rows excepted, each keeping
    /// its `extra` counts with `reason` as `last_error`. Rows in any other status are not
    /// touched. Returns how many moved.
    ///
    /// Each chunk of 1024 ids is one short transaction: the rows are read with a lock (their
    /// `extra` is kept), then each moves with an update that names the status it expects, so a
    /// row a scanner claimed meanwhile stays claimed.
    func cancel(ids: [UInt64], reason: String, excluding builtinKeys: [TaskKey], on db: any GTADatabase) async throws -> Int {
        let unique = Array(Set(ids)).sorted()
        guard !unique.isEmpty else { return 0 }
        let (keys, keyBinds) = inList(builtinKeys.map { .string($0.rawValue) })
        let initialized = GTAValue.string(TaskStatus.initialized.rawValue)
        let lastError = TaskExtra.bounded(reason)
        var moved = 0
        for chunk in unique.chunked(1024) {
            let (list, binds) = inList(chunk.map { .uint($0) })
            let select = """
                SELECT id, extra FROM \(t) WHERE task_status = ? AND (task_key IS NULL OR task_key NOT IN (\(keys))) \
                AND id IN (\(list)) ORDER BY id \(dialect.lockForUpdate)
                """
            moved += try await db.transaction(isolation: .readCommitted) { tx in
                var changed = 0
                for row in try await self.query(select, [initialized] + keyBinds + binds, on: tx) {
                    guard let id = try? row.decode(UInt64.self, "id") else { continue }
                    var extra = TaskExtra.read(try? row.decode([UInt8]?.self, "extra"))
                    extra.owner = nil
                    extra.lastError = lastError
                    changed += try await self.execute(
                        "UPDATE \(self.t) SET task_status = ?, extra = ?, updated_at = ? WHERE id = ? AND task_status = ?",
                        [.string(TaskStatus.failed.rawValue), extra.stored, .date(Date()), .uint(id), initialized], on: tx
                    ).rowsAffected
                }
                return changed
            }
        }
        return moved
    }
}
