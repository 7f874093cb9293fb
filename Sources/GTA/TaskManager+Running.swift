import ServiceContextModule

extension TaskManager {
    /// Creates a task and runs it asynchronously, reliably. Go: `Run(ctx, key, arg)`.
    ///
    /// The row is written in a transaction of its own (an autocommitted insert, the same as
    /// ``transaction(_:)`` around ``runWithTx(_:_:_:context:)``): while the pool has room it is
    /// written `running` and handed to the pool right after the commit; otherwise `initialized`,
    /// for the scanner.
    ///
    /// - Parameters:
    ///   - key: a registered key.
    ///   - argument: for a typed definition, a value of its argument type; otherwise any
    ///     `Encodable` value, or `nil` (stored as SQL `NULL`).
    ///   - context: the caller's context, stored by the context marshaler. The default is
    ///     `ServiceContext.current`, or `.topLevel` when there is none.
    /// - Throws: ``GTAError/taskNotFound`` for an unregistered key,
    ///   ``GTAError/definitionArgumentInvalid`` for an argument of the wrong type, or the
    ///   database's error. Nothing is written when it throws.
    public func run(_ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil) async throws {
        let context = context ?? ServiceContext.current ?? .topLevel
        if config.dryRun {
            try await transaction { tx in
                try await self.runWithTx(tx, key, argument, context: context)
            }
            return
        }
        // A transaction holding one insert and nothing else is the insert autocommitted: one
        // round trip instead of three, with the same outcome (the row exists and the task runs
        // exactly when the insert committed).
        try await scheduler.createTaskAutocommitted(context: context, key: key, argument: argument)
    }

    /// Creates a task in the caller's transaction. Go: `RunWithTx(tx, ctx, key, arg)`.
    ///
    /// Inside ``transaction(_:)`` the task runs right after the commit (when the pool has room);
    /// in any other transaction it is written `initialized` and the scanner picks it up after the
    /// commit. If the transaction rolls back, no row exists and nothing runs.
    public func runWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
    ) async throws {
        let context = context ?? ServiceContext.current ?? .topLevel
        try await scheduler.createTask(on: tx, context: context, key: key, argument: argument)
    }

    /// Creates many tasks of one key in the caller's transaction: the batch form of
    /// ``runWithTx(_:_:_:context:)``, with the same rules for each task. Swift only.
    ///
    /// Inside ``transaction(_:)``, as many tasks as the pool has room for are written `running`
    /// and run right after the commit; the rest are written `initialized` in multi-row inserts.
    public func runBatchWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ arguments: [(any Encodable & Sendable)?], context: ServiceContext? = nil
    ) async throws {
        let context = context ?? ServiceContext.current ?? .topLevel
        try await scheduler.createTasks(on: tx, context: context, key: key, arguments: arguments.map { $0 })
    }

    /// Runs `body` in a transaction on the manager's database; the tasks it creates with
    /// ``runWithTx(_:_:_:context:)`` are handed to the pool as soon as it commits. Go: `Transaction`.
    ///
    /// The body's return commits; a thrown error rolls back (no task row remains, nothing runs)
    /// and is rethrown. A transaction opened on the handle is a savepoint whose tasks run only
    /// if it is released and the outer transaction commits.
    public func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        let pending = PendingTasks()
        let scheduler = self.scheduler
        do {
            let result = try await db.transaction(isolation: nil) { tx in
                try await body(CommitHookTransaction(base: tx, scheduler: scheduler, pending: pending))
            }
            scheduler.dispatch(pending.take())
            return result
        } catch {
            scheduler.abandon(pending.take())
            throw error
        }
    }
}
