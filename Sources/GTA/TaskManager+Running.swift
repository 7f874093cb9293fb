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
        try await run(key, argument, context: context, options: .now)
    }

    /// Creates a task as ``run(_:_:context:)`` does, with `options`: a time to run at or a delay,
    /// a unique key. Returns the task's id, or, when its unique key is held by a waiting or
    /// running task and the policy is ``OnDuplicate/returnExisting``, that task's id (nothing
    /// is written then). Swift only.
    ///
    /// A delayed task is written `initialized` and waits for its time; any instance with the
    /// key claims it once due (within about a scan interval). A due task takes the pool as
    /// ``run(_:_:context:)`` does.
    ///
    /// - Throws: as ``run(_:_:context:)``; also ``GTAError/duplicateUniqueKey`` for a held unique
    ///   key with the policy ``OnDuplicate/fail``, ``GTAError/featureNeedsMigration`` when the
    ///   table lacks what a delay, a unique key or the definition's persisted retries need, and
    ///   ``GTAError/optionInvalid`` for a unique key over 126 characters. Nothing is written when
    ///   it throws.
    @discardableResult
    public func run(
        _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil, options: RunOptions
    ) async throws -> UInt64 {
        let (task, request) = try assemble(key, argument, context, options)
        return try await creator.createAutocommitted(task, request)
    }

    /// Creates a task in the manager's transaction: it runs right after the commit when the pool
    /// has room (the commit hook), or is written `initialized` for the scanner otherwise.
    /// Go: `RunWithTx(tx, ctx, key, arg)` inside `Transaction`. If the transaction rolls back, no
    /// row exists and nothing runs.
    public func runWithTx(
        _ tx: TaskTransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
    ) async throws {
        try await runWithTx(tx, key, argument, context: context, options: .now)
    }

    /// Creates a task in the manager's transaction with `options` (see
    /// ``run(_:_:context:options:)``) and returns its id, or the id of the task holding its
    /// unique key. A delayed task is written `initialized` and is not handed to the pool at the
    /// commit: it waits for its time. A refused unique key undoes only the refused insert: the
    /// transaction goes on, and the caller decides whether to commit. Swift only.
    @discardableResult
    public func runWithTx(
        _ tx: TaskTransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil,
        options: RunOptions
    ) async throws -> UInt64 {
        let (task, request) = try assemble(key, argument, context, options)
        let hook = creator.hook(of: tx)
        return try await creator.create(task, request, on: hook == nil ? tx : tx.base, hook: hook)
    }

    /// Creates a task in any other transaction (one the application opened on the database):
    /// it is written `initialized` and the scanner picks it up after the commit.
    /// Go: `RunWithTx(tx, ctx, key, arg)` with a transaction of the application's.
    public func runWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
    ) async throws {
        try await runWithTx(tx, key, argument, context: context, options: .now)
    }

    /// Creates a task in any other transaction with `options` (see ``run(_:_:context:options:)``)
    /// and returns its id, or the id of the task holding its unique key. Swift only.
    @discardableResult
    public func runWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil,
        options: RunOptions
    ) async throws -> UInt64 {
        let (task, request) = try assemble(key, argument, context, options)
        return try await creator.create(task, request, on: tx, hook: nil)
    }

    /// Creates many tasks of one key in the manager's transaction: the batch form of
    /// ``runWithTx(_:_:_:context:)-(TaskTransaction,_,_,_)``. Swift only.
    ///
    /// As many tasks as the pool has room for are written `running` and run right after the
    /// commit; the rest are written `initialized` in multi-row inserts.
    ///
    /// With `options`, every task gets its time to run (delayed tasks are all written
    /// `initialized`); a unique key cannot be given for a batch (``GTAError/optionInvalid``), but
    /// a definition's ``TaskDefinition/unique`` applies to each task (they are then inserted one
    /// by one; a duplicate throws or is skipped as its policy says).
    public func runBatchWithTx(
        _ tx: TaskTransaction, _ key: TaskKey, _ arguments: [(any Encodable & Sendable)?], context: ServiceContext? = nil,
        options: RunOptions = .now
    ) async throws {
        let (tasks, request) = try assembleBatch(key, arguments, context, options)
        let hook = creator.hook(of: tx)
        try await creator.create(tasks, request, on: hook == nil ? tx : tx.base, hook: hook)
    }

    /// Creates many tasks of one key in any other transaction, all `initialized`, in multi-row
    /// inserts. Swift only.
    public func runBatchWithTx(
        _ tx: any GTATransaction, _ key: TaskKey, _ arguments: [(any Encodable & Sendable)?], context: ServiceContext? = nil,
        options: RunOptions = .now
    ) async throws {
        let (tasks, request) = try assembleBatch(key, arguments, context, options)
        try await creator.create(tasks, request, on: tx, hook: nil)
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

    /// The row for a new task: the definition's codec encodes the argument, here and only here;
    /// `options` and the definition give its due time and unique key.
    private func assemble(
        _ key: TaskKey, _ argument: (any Encodable & Sendable)?, _ context: ServiceContext?, _ options: RunOptions
    ) throws -> (TaskRecord, TaskCreator.Request) {
        guard let definition = registry.definition(key) else {
            throw GTAError(.taskNotFound, "task key '\(key)' is not registered")
        }
        var task = try assembler.assemble(key: key, definition: definition, context: context ?? ServiceContext.current ?? .topLevel, argument: argument)
        var request = TaskCreator.Request()
        task.runAt = options.dueTime(now: task.createdAt)
        if task.runAt != nil || (definition.persistRetries && definition.retryTimes > 0) { request.needs.append(.delayedTasks) }
        var unique = options.uniqueKey
        if unique == nil, let uniqueness = definition.unique {
            unique = uniqueness.key(task.argument.flatMap { try? GoJSONDecoder().decode(JSONValue.self, from: $0) })
        }
        if let unique {
            task.uniqueKey = try TaskUniqueness.stored(unique, taskKey: key)
            request.needs.append(.uniqueTasks)
        }
        request.onDuplicate = options.onDuplicate ?? definition.unique?.onDuplicate ?? .fail
        return (task, request)
    }

    private func assembleBatch(
        _ key: TaskKey, _ arguments: [(any Encodable & Sendable)?], _ context: ServiceContext?, _ options: RunOptions
    ) throws -> ([TaskRecord], TaskCreator.Request) {
        guard options.uniqueKey == nil else {
            throw GTAError(.optionInvalid, "task key '\(key)': a unique key names one task; create unique tasks one at a time")
        }
        var request = TaskCreator.Request()
        var tasks: [TaskRecord] = []
        tasks.reserveCapacity(arguments.count)
        for argument in arguments {
            let (task, one) = try assemble(key, argument, context, options)
            tasks.append(task)
            request = one
        }
        return (tasks, request)
    }
}
