extension TaskManager {
    /// Creates a task and runs it asynchronously, reliably. Go: `Run(ctx, key, arg)`.
    ///
    /// The row is written in a transaction of its own (an autocommitted insert, the same as
    /// ``transaction(_:)`` around ``runWithTx(_:_:_:context:)-(TaskTransaction,_,_,_)``): while
    /// the pool has room it is written `running` and handed to the pool right after the commit;
    /// otherwise `initialized`, for the scanner.
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
        let task = try assemble(key, argument, context)
        try await creator.createAutocommitted(task)
    }

    /// Creates a task in the manager's transaction: it runs right after the commit when the pool
    /// has room (the commit hook), or is written `initialized` for the scanner otherwise.
    /// Go: `RunWithTx(tx, ctx, key, arg)` inside `Transaction`. If the transaction rolls back, no
    /// row exists and nothing runs.
    public func runWithTx(
        _ tx: TaskTransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
    ) async throws {
        let task = try assemble(key, argument, context)
        let hook = creator.hook(of: tx)
        try await creator.create(task, on: hook == nil ? tx : tx.base, hook: hook)
    }

    /// Creates a task in any other transaction (one the application opened on the database):
    /// it is written `initialized` and the scanner picks it up after the commit.
    /// Go: `RunWithTx(tx, ctx, key, arg)` with a transaction of the application's.
    public func runWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
    ) async throws {
        let task = try assemble(key, argument, context)
        try await creator.create(task, on: tx, hook: nil)
    }

    /// Creates many tasks of one key in the manager's transaction: the batch form of
    /// ``runWithTx(_:_:_:context:)-(TaskTransaction,_,_,_)``. Swift only.
    ///
    /// As many tasks as the pool has room for are written `running` and run right after the
    /// commit; the rest are written `initialized` in multi-row inserts.
    public func runBatchWithTx(
        _ tx: TaskTransaction, _ key: TaskKey, _ arguments: [(any Encodable & Sendable)?], context: ServiceContext? = nil
    ) async throws {
        let tasks = try arguments.map { try assemble(key, $0, context) }
        let hook = creator.hook(of: tx)
        try await creator.create(tasks, on: hook == nil ? tx : tx.base, hook: hook)
    }

    /// Creates many tasks of one key in any other transaction, all `initialized`, in multi-row
    /// inserts. Swift only.
    public func runBatchWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ arguments: [(any Encodable & Sendable)?], context: ServiceContext? = nil
    ) async throws {
        let tasks = try arguments.map { try assemble(key, $0, context) }
        try await creator.create(tasks, on: tx, hook: nil)
    }

    /// Runs `body` in a transaction on the manager's database; the tasks it creates with
    /// ``runWithTx(_:_:_:context:)-(TaskTransaction,_,_,_)`` are handed to the pool as soon as it
    /// commits. Go: `Transaction`.
    ///
    /// The body's return commits; a thrown error rolls back (no task row remains, nothing runs)
    /// and is rethrown. A transaction opened on the handle is a savepoint whose tasks run only
    /// if it is released and the outer transaction commits.
    ///
    /// - Throws: the body's error, or the database's; ``GTAError/commitOutcomeUnknown`` when the
    ///   connection was lost after the body returned, during the commit: the rows may exist, and
    ///   the tasks among them run all the same (their leases expire and they are rescued).
    public func transaction<T: Sendable>(_ body: @Sendable (TaskTransaction) async throws -> T) async throws -> T {
        let pending = PendingTasks()
        let creator = self.creator
        let bodyReturned = Signal()
        do {
            let result = try await db.transaction(isolation: nil) { tx in
                let result = try await body(TaskTransaction(base: tx, creator: creator, pending: pending))
                bodyReturned.fire()
                return result
            }
            creator.dispatch(pending.take())
            return result
        } catch {
            creator.abandon(pending.take())
            if bodyReturned.isFired, error.asDatabaseError?.isConnectionLost == true {
                throw GTAError(.commitOutcomeUnknown, "the connection was lost during the commit", underlying: error)
            }
            throw error
        }
    }

    /// The row for a new task: the definition's codec encodes the argument, here and only here.
    private func assemble(_ key: TaskKey, _ argument: (any Encodable & Sendable)?, _ context: ServiceContext?) throws -> TaskRecord {
        guard let definition = registry.definition(key) else {
            throw GTAError(.taskNotFound, "task key '\(key)' is not registered")
        }
        return try assembler.assemble(key: key, definition: definition, context: context ?? ServiceContext.current ?? .topLevel, argument: argument)
    }
}
