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
    private let metrics: TaskMetrics
    private let logger: Logger

    init(
        db: any GTADatabase, store: TaskStore, pool: WorkerPool, runner: TaskRunner, stopping: StoppingFlag, owner: LeaseOwner,
        dryRun: Bool, metrics: TaskMetrics = .off, logger: Logger
    ) {
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

    /// Writes one task on `executor`; with a `hook`, a `running` row joins it for the commit.
    func create(_ task: TaskRecord, on executor: any GTAExecutor, hook: PendingTasks?) async throws {
        if dryRun { return createDryRun(task, hook: hook) }
        let written = try await write(task, on: executor, mayRun: hook != nil)
        if written.taskStatus == .running { hook?.append(written) }
        metrics.created(task.taskKey, path: written.taskStatus == .running ? .commitHook : .initialized)
    }

    /// A periodic task's path: the row `initialized` on `executor` (the scheduler's transaction,
    /// which also records the due time), for a scanner of any instance. Returns its id.
    func createInitialized(_ task: TaskRecord, on executor: any GTAExecutor) async throws -> UInt64 {
        let written = try await write(task, on: executor, mayRun: false)
        metrics.created(task.taskKey, path: .initialized)
        return written.id
    }

    /// `run`'s path: the task alone in its own transaction, which is one autocommitted insert;
    /// handed to the pool as soon as it committed when it was written `running`.
    func createAutocommitted(_ task: TaskRecord) async throws {
        if dryRun { return createDryRun(task, hook: nil, delayed: false) }
        let written: TaskRecord
        do {
            written = try await write(task, on: db, mayRun: true)
        } catch let error where error.asDatabaseError?.isConnectionLost == true {
            // The insert may have committed before the reply was lost.
            throw GTAError(.commitOutcomeUnknown, "task key '\(task.taskKey)': the connection was lost during the insert", underlying: error)
        }
        if written.taskStatus == .running { runner.schedule(written, reserved: true) }
        metrics.created(task.taskKey, path: written.taskStatus == .running ? .run : .initialized)
    }

    /// Writes many tasks on `executor`. With a `hook`, as many as the pool has room for are
    /// written `running` (one insert each, for their ids); the rest go in as `initialized` in
    /// multi-row inserts.
    func create(_ tasks: [TaskRecord], on executor: any GTAExecutor, hook: PendingTasks?) async throws {
        if dryRun { return tasks.forEach { createDryRun($0, hook: hook) } }
        var start = 0
        if let hook, !stopping.isSet {
            let slots = pool.reserve(upTo: tasks.count)
            var inserted = 0
            do {
                for var task in tasks.prefix(slots) {
                    task.taskStatus = .running
                    task.extra = TaskExtra(owner: owner.id, runs: 1)
                    task.id = try await inserting(task.taskKey) { try await store.insert(task, on: executor) }
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
            try await inserting(tasks[start].taskKey) { try await store.insertMany(Array(tasks[start...]), on: executor) }
        }
        if let key = tasks.first?.taskKey {
            metrics.created(key, path: .batch, count: start)
            metrics.created(key, path: .initialized, count: tasks.count - start)
            logger.debug("tasks created", metadata: ["task.key": "\(key)", "count": "\(tasks.count)", "running": "\(start)"])
        }
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

    /// Inserts `task`: `running` with a reserved pool slot when it `mayRun`, stop has not begun
    /// and the pool has room; `initialized` otherwise. Returns the row as written.
    private func write(_ task: TaskRecord, on executor: any GTAExecutor, mayRun: Bool) async throws -> TaskRecord {
        var task = task
        if mayRun, !stopping.isSet, pool.reserveOne() {
            task.taskStatus = .running
            task.extra = TaskExtra(owner: owner.id, runs: 1)
            do {
                task.id = try await inserting(task.taskKey) { try await store.insert(task, on: executor) }
            } catch {
                pool.release(1)
                throw error
            }
        } else {
            task.taskStatus = .initialized
            task.id = try await inserting(task.taskKey) { try await store.insert(task, on: executor) }
        }
        logger.debug("task created", metadata: .task(task.id, task.taskKey, ["task.status": "\(task.taskStatus)"]))
        return task
    }

    /// Dry run: no row; a random id; run after the wrapper's commit, or after a short delay
    /// outside it (it may then run before, or without, the caller's commit).
    private func createDryRun(_ task: TaskRecord, hook: PendingTasks?, delayed: Bool = true) {
        var task = task
        task.taskStatus = .running
        task.id = UInt64.random(in: 1...UInt64.max)
        metrics.created(task.taskKey, path: .dryRun)
        if let hook {
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
    }
}
