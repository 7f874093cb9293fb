extension TaskManager {
    /// Moves the given rows from `status` to `initialized`, so that a scanner runs them again.
    /// Go: `ForceRerunTasks`. Returns how many rows moved.
    public func forceRerunTasks(_ taskIDs: [UInt64], status: TaskStatus) async throws -> Int {
        guard !configuration.dryRun else { return 0 }
        return try await store.updateStatus(ids: taskIDs, from: status, to: .initialized, on: db)
    }

    /// Pages through rows that are not `succeeded` (`initialized`, `running`, `failed`), in id
    /// order, built-in rows excepted. Go: `QueryUnsuccessfulTasks`.
    public func queryUnsuccessfulTasks(limit: Int, offset: Int) async throws -> [TaskRecord] {
        guard !configuration.dryRun else { return [] }
        guard limit >= 0, offset >= 0 else {
            throw GTAError(.optionInvalid, "limit and offset must be >= 0, got limit \(limit), offset \(offset)")
        }
        return try await store.queryUnsuccessful(limit: limit, offset: offset, excluding: BuiltinTasks.keys, on: db)
    }

    /// Cancels tasks that wait to run: moves the given rows from `initialized` to `failed`,
    /// recording `"cancelled: <reason>"` in `extra`'s `last_error` (see ``TaskExtra/lastError``).
    /// Swift only. Returns how many rows moved.
    ///
    /// Only `initialized` rows move (the update names the status it expects): a row already
    /// `running` is not touched and its handler is not interrupted, nor are `succeeded` or
    /// `failed` rows, built-in rows, or ids without a row. A row a scanner claims at the same
    /// moment either moves here first (and is never run) or stays claimed. A cancelled row is
    /// `failed` like any other: `queryUnsuccessfulTasks` lists it, and
    /// `forceRerunTasks(ids, status: .failed)` makes it wait again. Rows of keys that a Go
    /// instance runs can be cancelled too: Go ignores the `last_error` it finds in `extra`.
    public func cancelTasks(_ taskIDs: [UInt64], reason: String) async throws -> Int {
        guard !configuration.dryRun else { return 0 }
        return try await store.cancel(
            ids: taskIDs, reason: reason.isEmpty ? "cancelled" : "cancelled: \(reason)", excluding: BuiltinTasks.keys, on: db)
    }
}
