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
}
