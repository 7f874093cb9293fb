/// Writes new task rows (Go: the creating half of `scheduler.go`).
///
/// Every row it is given was assembled at the API boundary. A row is written `running` with a
/// pool slot reserved when the caller can hand it to the pool right after its commit (the
/// commit hook's list, or `run`'s own autocommitted insert), stop has not begun and the pool has
/// room; otherwise `initialized`, for a scanner here or in another instance.
final class TaskCreator: Sendable {
    private let db: any GTADatabase
    private let store: TaskStore
    private let pool: WorkerPool
    private let runner: TaskRunner
    private let stopping: StoppingFlag
    private let owner: LeaseOwner
    private let dryRun: Bool
    /// Told the time of each delayed row, for this instance's scanner.
    private let waker: ScanWaker
    private let metrics: TaskMetrics
    private let logger: Logger

    init(
        db: any GTADatabase, store: TaskStore, pool: WorkerPool, runner: TaskRunner, stopping: StoppingFlag, owner: LeaseOwner,
        dryRun: Bool, waker: ScanWaker = ScanWaker(), metrics: TaskMetrics = .off, logger: Logger
    ) {
        self.waker = waker
        self.metrics = metrics
        self.owner = owner
        self.db = db
        self.store = store
        self.pool = pool
        self.runner = runner
        self.stopping = stopping
        self.dryRun = dryRun
        self.logger = logger
    }

    /// The commit hook of `tx` when this creator's manager opened it, else `nil`.
    func hook(of tx: TaskTransaction) -> PendingTasks? {
        tx.creator === self ? tx.pending : nil
    }

    /// What a new row needs: what a duplicate unique key does, and the table features it uses.
    struct Request: Sendable {
        var onDuplicate: OnDuplicate = .fail
        var needs: [TaskTableFeature] = []
    }

    /// Writes one task on `executor`; with a `hook`, a `running` row joins it for the commit.
    /// Returns its id, or the id of the waiting or running task that holds its unique key
    /// (``OnDuplicate/returnExisting``).
    func create(_ task: TaskRecord, _ request: Request = Request(), on executor: any GTAExecutor, hook: PendingTasks?) async throws -> UInt64 {
        if dryRun { return createDryRun(task, hook: hook) }
        let schema = try await schema(for: request, on: executor)
        let (written, created) = try await write(task, request, schema: schema, on: executor, mayRun: hook != nil)
        guard created else { return written.id }
        if written.taskStatus == .running { hook?.append(written) }
        metrics.created(task.taskKey, path: written.taskStatus == .running ? .commitHook : .initialized)
        return written.id
    }

    /// A periodic task's path: the row `initialized` on `executor` (the scheduler's transaction,
    /// which also records the due time), for a scanner of any instance. Returns its id.
    func createInitialized(_ task: TaskRecord, on executor: any GTAExecutor) async throws -> UInt64 {
        let schema = try await schema(for: Request(), on: executor)
        let (written, _) = try await write(task, Request(), schema: schema, on: executor, mayRun: false)
        metrics.created(task.taskKey, path: .initialized)
        return written.id
    }

    /// `run`'s path: the task alone in its own transaction, which is one autocommitted insert;
    /// handed to the pool as soon as it committed when it was written `running`.
    func createAutocommitted(_ task: TaskRecord, _ request: Request = Request()) async throws -> UInt64 {
        if dryRun { return createDryRun(task, hook: nil, delayed: false) }
        let written: TaskRecord, created: Bool
        do {
            let schema = try await schema(for: request, on: db)
            (written, created) = try await write(task, request, schema: schema, on: db, mayRun: true)
        } catch let error where error.asDatabaseError?.isConnectionLost == true {
            // The insert may have committed before the reply was lost.
            throw GTAError(.commitOutcomeUnknown, "task key '\(task.taskKey)': the connection was lost during the insert", underlying: error)
        }
        guard created else { return written.id }
        if written.taskStatus == .running { runner.schedule(written, reserved: true) }
        metrics.created(task.taskKey, path: written.taskStatus == .running ? .run : .initialized)
        return written.id
    }

    /// Writes many tasks on `executor`. With a `hook`, as many as the pool has room for are
    /// written `running` (one insert each, for their ids); the rest go in as `initialized` in
    /// multi-row inserts. Delayed tasks are all `initialized`; unique tasks go in one by one.
    func create(_ tasks: [TaskRecord], _ request: Request = Request(), on executor: any GTAExecutor, hook: PendingTasks?) async throws {
        if dryRun { return tasks.forEach { _ = createDryRun($0, hook: hook) } }
        let schema = try await schema(for: request, on: executor)
        if tasks.contains(where: { $0.uniqueKey != nil }) {
            for task in tasks { _ = try await create(task, request, on: executor, hook: hook) }
            return
        }
        var start = 0
        if let hook, !stopping.isSet, tasks.first?.runAt == nil {
            let slots = pool.reserve(upTo: tasks.count)
            var inserted = 0
            do {
                for var task in tasks.prefix(slots) {
                    task.taskStatus = .running
                    task.extra = TaskExtra(owner: owner.id, runs: 1)
                    task.id = try await inserting(task.taskKey) { try await store.insert(task, schema: schema, on: executor) }
                    hook.append(task)
                    inserted += 1
                }
            } catch {
                pool.release(slots - inserted)
                throw error
            }
            start = slots
        }
        if start < tasks.count {
            try await inserting(tasks[start].taskKey) { try await store.insertMany(Array(tasks[start...]), schema: schema, on: executor) }
            for runAt in Set(tasks[start...].compactMap(\.runAt)) { waker.wake(at: runAt) }
        }
        if let key = tasks.first?.taskKey {
            metrics.created(key, path: .batch, count: start)
            metrics.created(key, path: .initialized, count: tasks.count - start)
            logger.debug("tasks created", metadata: ["task.key": "\(key)", "count": "\(tasks.count)", "running": "\(start)"])
        }
    }

    /// The table's schema, after checking that it has every feature the request needs.
    private func schema(for request: Request, on executor: any GTAExecutor) async throws -> TaskTableSchema {
        for feature in request.needs { _ = try await store.features.require(feature, store.table, on: executor) }
        return try await store.features.schema(store.table, on: executor)
    }

    /// Hands committed tasks to the pool (their slots are reserved).
    func dispatch(_ tasks: [TaskRecord]) {
        for task in tasks { runner.schedule(task, reserved: true) }
    }

    /// Gives back the slots of tasks whose transaction rolled back.
    func abandon(_ tasks: [TaskRecord]) {
        pool.release(tasks.count)
    }

    /// Inserts through `body`; a row too large for the server is the argument's fault.
    private func inserting<T>(_ key: TaskKey, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where error.asDatabaseError?.isValueTooLarge == true {
            throw GTAError(.definitionArgumentInvalid, "task key '\(key)': the task is too large for the server", underlying: error)
        }
    }

    /// Inserts `task`: `running` with a reserved pool slot when it `mayRun`, is due now, stop has
    /// not begun and the pool has room; `initialized` otherwise. Returns the row as written and
    /// `true`, or the holder of its unique key and `false`.
    private func write(
        _ task: TaskRecord, _ request: Request, schema: TaskTableSchema, on executor: any GTAExecutor, mayRun: Bool
    ) async throws -> (TaskRecord, created: Bool) {
        var task = task
        let reserved = mayRun && task.runAt == nil && !stopping.isSet && pool.reserveOne()
        if reserved {
            task.taskStatus = .running
            task.extra = TaskExtra(owner: owner.id, runs: 1)
        } else {
            task.taskStatus = .initialized
        }
        let id: UInt64, created: Bool
        do {
            (id, created) = try await insert(task, request, schema: schema, on: executor)
        } catch {
            if reserved { pool.release(1) }
            throw error
        }
        if !created {
            if reserved { pool.release(1) }
            logger.debug("unique task exists", metadata: .task(id, task.taskKey, ["task.unique_key": "\(task.uniqueKey ?? "")"]))
            return (TaskRecord(id: id, taskKey: task.taskKey, taskStatus: .initialized), false)
        }
        task.id = id
        if let runAt = task.runAt { waker.wake(at: runAt) }
        logger.debug("task created", metadata: .task(task.id, task.taskKey, ["task.status": "\(task.taskStatus)"]))
        return (task, true)
    }

    /// Inserts `task`; for a unique task, a duplicate key is resolved: the holder's id (and
    /// `false`), or ``GTAError/duplicateUniqueKey``. A holder that ended between the refused
    /// insert and the look-up frees the key: the insert is tried again.
    private func insert(
        _ task: TaskRecord, _ request: Request, schema: TaskTableSchema, on executor: any GTAExecutor
    ) async throws -> (UInt64, created: Bool) {
        guard let unique = task.uniqueKey else {
            return (try await inserting(task.taskKey) { try await store.insert(task, schema: schema, on: executor) }, true)
        }
        var lastError: (any Error)?
        for _ in 0..<5 {
            do {
                return (try await inserting(task.taskKey) { try await store.insert(task, schema: schema, on: executor) }, true)
            } catch let error where error.asDatabaseError?.isDuplicateKey == true {
                lastError = error
                // A failed INSERT undoes only itself (InnoDB, SQLite): the caller's transaction goes on.
                if let holder = try await holder(of: unique, schema: schema, on: executor) {
                    let key = unique.dropFirst(task.taskKey.rawValue.count + 1)
                    switch request.onDuplicate {
                    case .returnExisting:
                        return (holder.id, false)
                    case .fail:
                        throw GTAError(
                            .duplicateUniqueKey,
                            "task key '\(task.taskKey)': unique key '\(key)' is held by task \(holder.id) (\(holder.status))", underlying: error)
                    }
                }
            } catch let error where executor is any GTADatabase && error.asDatabaseError?.isConflict == true {
                // Autocommitted inserts racing on one unique key may deadlock; the loser tries again.
                lastError = error
            }
        }
        throw GTAError(
            .duplicateUniqueKey, "task key '\(task.taskKey)': unique key '\(unique.dropFirst(task.taskKey.rawValue.count + 1))' kept changing hands",
            underlying: lastError)
    }

    /// The holder of a unique key: read through `executor` (which sees the caller's own
    /// uncommitted rows), then, where a transaction may read an older snapshot (not SQLite's
    /// exclusive writer), through a connection of its own, which sees what committed since.
    private func holder(of unique: String, schema: TaskTableSchema, on executor: any GTAExecutor) async throws -> (id: UInt64, status: TaskStatus)? {
        if let holder = try await store.holder(ofUniqueKey: unique, schema: schema, on: executor) { return holder }
        guard !(executor is any GTADatabase), !executor.dialect.writeTransactionsAreExclusive else { return nil }
        return try await store.holder(ofUniqueKey: unique, schema: schema, on: db)
    }

    /// Dry run: no row; a random id; run after the wrapper's commit, or after a short delay
    /// outside it (it may then run before, or without, the caller's commit).
    private func createDryRun(_ task: TaskRecord, hook: PendingTasks?, delayed: Bool = true) -> UInt64 {
        var task = task
        task.taskStatus = .running
        task.id = UInt64.random(in: 1...UInt64.max)
        metrics.created(task.taskKey, path: .dryRun)
        if let runAt = task.runAt {
            // A delayed task runs at its time (in this process, as every dry-run task).
            let wait = max(0, runAt.timeIntervalSinceNow)
            runner.schedule(task, reserved: false, after: .milliseconds(Int64(wait * 1000)))
        } else if let hook {
            _ = pool.reserve(upTo: 1)
            hook.append(task)
        } else if delayed {
            logger.warning(
                "dry run: a task created outside the manager's transaction may run before, or without, its commit",
                metadata: .task(task.id, task.taskKey))
            runner.schedule(task, reserved: false, after: .milliseconds(500))
        } else {
            runner.schedule(task, reserved: false)
        }
        logger.debug("dry run task created", metadata: .task(task.id, task.taskKey))
        return task.id
    }
}
