/// A definition's run timeout: one try of a handler raced against a sleep in a task group.
enum RunTimeout {
    /// Runs `body` (one try of `task`'s handler) within `limit`, or without a limit when it is
    /// `nil`. When the sleep wins, the handler's task is cancelled and then awaited: a handler
    /// that ignores cancellation keeps running until it returns, and whatever it returns, this
    /// throws ``GTAError/taskTimedOut``. Its own error, when it ends first, is rethrown as is.
    static func run(_ limit: Duration?, task: TaskRecord, _ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let limit else { return try await body() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let handlerEnded: Bool
            do {
                handlerEnded = try await group.next() ?? true
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            guard !handlerEnded else { return }
            // Timed out: wait for the cancelled handler, discarding its outcome.
            while (try? await group.next()) != nil {}
            throw GTAError(
                .taskTimedOut,
                "task \(task.id) (\(task.taskKey)): the handler ran longer than its run timeout of \(limit.readable) and was cancelled")
        }
    }
}
