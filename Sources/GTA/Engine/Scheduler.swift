import Foundation
import ServiceContextModule
import Synchronization

/// Creates tasks and runs them on the pool, with retries and the final status change
/// (Go: `scheduler.go`).
final class Scheduler: Sendable {
    let db: any GTADatabase
    let store: TaskStore
    let config: TaskConfig
    let registry: Registry
    let pool: WorkerPool
    let assembler: Assembler
    let logger: any Logger
    /// Set once stop begins: new tasks are then written `initialized` for another instance.
    let stopping = StopFlag()
    /// Rows this instance gave back at stop: it no longer owns them, so their handlers' ends
    /// write nothing (another instance may already be running them).
    private let handedBack = Mutex<Set<UInt64>>([])
    /// Batches the final status writes of tasks that end close together.
    let statusWriter: StatusWriter

    init(db: any GTADatabase, store: TaskStore, config: TaskConfig, registry: Registry) {
        self.db = db
        self.store = store
        self.config = config
        self.registry = registry
        self.pool = WorkerPool(capacity: config.poolSize)
        self.assembler = Assembler(defaultMarshaler: config.ctxMarshaler)
        self.logger = config.logger
        self.statusWriter = StatusWriter(db: db, store: store, logger: config.logger, stopping: stopping)
    }

    // MARK: Creating

    /// Creates a task on `executor`: `running` with a reserved slot inside this manager's
    /// transaction wrapper while the pool has room, `initialized` otherwise.
    func createTask(on executor: any GTAExecutor, context: ServiceContext, key: TaskKey, argument: (any Sendable)?) async throws {
        let definition = try definition(key)
        let wrapper = (executor as? CommitHookTransaction).flatMap { $0.scheduler === self ? $0 : nil }
        if config.dryRun {
            try createDryRun(key: key, definition: definition, context: context, argument: argument, wrapper: wrapper)
            return
        }
        let task = try assembler.assemble(key: key, definition: definition, context: context, argument: argument, status: .initialized)
        let base = (executor as? CommitHookTransaction)?.base ?? executor
        let written = try await write(task, on: base, mayRun: wrapper != nil)
        if let wrapper, written.taskStatus == .running { wrapper.pending.append(written) }
    }

    /// `run`'s path: the task alone in its own transaction, which is one autocommitted insert;
    /// `running` and handed to the pool once it commits while the pool has room, `initialized`
    /// otherwise (and once stop has begun).
    func createTaskAutocommitted(context: ServiceContext, key: TaskKey, argument: (any Sendable)?) async throws {
        let definition = try definition(key)
        let task = try assembler.assemble(key: key, definition: definition, context: context, argument: argument, status: .initialized)
        let written = try await write(task, on: db, mayRun: true)
        if written.taskStatus == .running { schedule(written, reserved: true) }
    }

    /// Inserts `task`: `running` with a reserved pool slot when it `mayRun`, stop has not begun
    /// and the pool has room; `initialized` otherwise. Returns the row as written.
    private func write(_ task: TaskRecord, on executor: any GTAExecutor, mayRun: Bool) async throws -> TaskRecord {
        var task = task
        if mayRun, !stopping.load(ordering: .relaxed), pool.reserveOne() {
            task.taskStatus = .running
            do {
                task.id = try await store.insert(task, on: executor)
            } catch {
                pool.release(1)
                throw error
            }
        } else {
            task.taskStatus = .initialized
            task.id = try await store.insert(task, on: executor)
        }
        logger.debugf("[CreateTask] async task created, task_key[\(task.taskKey)], task_id[\(task.id)], task_status[\(task.taskStatus)]")
        return task
    }

    private func definition(_ key: TaskKey) throws -> TaskDefinition {
        guard let definition = registry.definition(key) else {
            throw GTAError(.taskNotFound, "task key '\(key)' is not registered")
        }
        return definition
    }

    /// Creates many tasks of one key on `executor`. Inside this manager's wrapper, as many as
    /// the pool has room for are written `running` (one insert each, for their ids); the rest
    /// go in as `initialized` in multi-row inserts.
    func createTasks(on executor: any GTAExecutor, context: ServiceContext, key: TaskKey, arguments: [(any Sendable)?]) async throws {
        let definition = try definition(key)
        let wrapper = (executor as? CommitHookTransaction).flatMap { $0.scheduler === self ? $0 : nil }
        if config.dryRun {
            for argument in arguments {
                try createDryRun(key: key, definition: definition, context: context, argument: argument, wrapper: wrapper)
            }
            return
        }
        let tasks = try arguments.map {
            try assembler.assemble(key: key, definition: definition, context: context, argument: $0, status: .initialized)
        }
        var start = 0
        if let wrapper, !stopping.load(ordering: .relaxed) {
            let slots = pool.reserve(upTo: tasks.count)
            var inserted = 0
            do {
                for var task in tasks.prefix(slots) {
                    task.taskStatus = .running
                    task.id = try await store.insert(task, on: wrapper.base)
                    wrapper.pending.append(task)
                    inserted += 1
                }
            } catch {
                pool.release(slots - inserted)
                throw error
            }
            start = slots
        }
        if start < tasks.count {
            try await store.insertMany(Array(tasks[start...]), on: (executor as? CommitHookTransaction)?.base ?? executor)
        }
        logger.debugf("[CreateTask] async tasks created, task_key[\(key)], count[\(tasks.count)], running[\(start)]")
    }

    private func createDryRun(
        key: TaskKey, definition: TaskDefinition, context: ServiceContext, argument: (any Sendable)?, wrapper: CommitHookTransaction?
    ) throws {
        var task = try assembler.assemble(key: key, definition: definition, context: context, argument: argument, status: .running)
        task.id = UInt64.random(in: 1...UInt64.max)
        if let wrapper {
            _ = pool.reserve(upTo: 1)
            wrapper.pending.append(task)
        } else {
            logger.warnf("[CreateTask] Using dry run mode in non-builtin transaction, this task may be scheduled before the transaction is committed!")
            let delayed = task
            // Detached: the caller's task-locals (its open transaction) stay behind.
            Task.detached {
                try? await Task.sleep(for: .milliseconds(500))
                self.schedule(delayed, reserved: false)
            }
        }
        logger.debugf("[CreateTask] dry run task created, task_key[\(key)], task_id[\(task.id)]")
    }

    /// Hands committed tasks to the pool (their slots are reserved).
    func dispatch(_ tasks: [TaskRecord]) {
        for task in tasks { schedule(task, reserved: true) }
    }

    /// Gives back the slots of tasks whose transaction rolled back.
    func abandon(_ tasks: [TaskRecord]) {
        pool.release(tasks.count)
    }

    // MARK: Running

    /// Runs a `running` task on the pool.
    func schedule(_ task: TaskRecord, reserved: Bool) {
        guard task.taskStatus == .running else {
            logger.errorf("[GoScheduleTask] invalid task status, task_key[\(task.taskKey)], task_status[\(task.taskStatus)]")
            if reserved { pool.release(1) }
            return
        }
        pool.start(id: task.id, reserved: reserved) { [self] done in
            await self.execute(task, done: done)
        }
    }

    /// Tries the handler up to `retryTimes + 1` times, then records the outcome.
    /// `done` frees the task's pool slot as soon as its row is written (the job's end frees it
    /// otherwise).
    func execute(_ task: TaskRecord, done: @escaping @Sendable () -> Void = {}) async {
        let started = ContinuousClock.now
        guard let definition = registry.definition(task.taskKey) else {
            logger.errorf("[scheduleTask] task key not registered, task_key[\(task.taskKey)], task_id[\(task.id)]")
            await finish(task, definition: nil, succeeded: false, done: done)
            return
        }
        logger.debugf("[scheduleTask] schedule task start, task_key[\(task.taskKey)], task_id[\(task.id)]")
        var succeeded = false
        attempts: for attempt in 0...max(0, definition.retryTimes) {
            if attempt > 0 {
                do {
                    try await Task.sleep(for: definition.retryDelay(attempt))
                } catch {
                    logger.warnf("[scheduleTask] retry cancelled by stop, task_key[\(task.taskKey)], task_id[\(task.id)]")
                    break attempts
                }
                logger.warnf("[scheduleTask] start retry, current retry times[\(attempt)], task_key[\(task.taskKey)], task_id[\(task.id)]")
            }
            let context: ServiceContext
            let argument: (any Sendable)?
            do {
                (context, argument) = try assembler.disassemble(task, definition: definition)
            } catch {
                // Decoding fails the same way every time: no retry.
                logger.errorf("[executeTask] disassemble task error, err[\(error)], task_key[\(task.taskKey)], task_id[\(task.id)]")
                break attempts
            }
            do {
                try await ServiceContext.withValue(context) {
                    try await definition.invoke?(context, argument)
                }
                succeeded = true
                break attempts
            } catch {
                logger.warnf("[executeTask] task handler failed, err[\(error)], task_key[\(task.taskKey)], task_id[\(task.id)], attempt[\(attempt)]")
            }
        }
        let cost = ContinuousClock.now - started
        if succeeded {
            logger.debugf("[scheduleTask] schedule task succeeded, cost[\(cost)], task_key[\(task.taskKey)], task_id[\(task.id)]")
        } else {
            logger.errorf("[scheduleTask] schedule task failed, cost[\(cost)], task_key[\(task.taskKey)], task_id[\(task.id)]")
        }
        await finish(task, definition: definition, succeeded: succeeded, done: done)
    }

    /// `running -> succeeded | failed`, or a delete for clean-succeeded kinds, through the
    /// batching ``StatusWriter``. Zero rows changed means someone else moved the row: reported,
    /// never ignored.
    private func finish(_ task: TaskRecord, definition: TaskDefinition?, succeeded: Bool, done: @escaping @Sendable () -> Void) async {
        guard !config.dryRun else { return }
        if handedBack.withLock({ $0.contains(task.id) }) {
            logger.warnf("[scheduleTask] task ended after it was handed back at stop; status left to its new owner, task_key[\(task.taskKey)], task_id[\(task.id)]")
            return
        }
        let outcome: StatusWriter.Outcome =
            succeeded ? ((definition?.cleanSucceeded ?? false) ? .delete : .succeeded) : .failed
        await statusWriter.write(id: task.id, key: task.taskKey, outcome: outcome, written: done)
    }

    // MARK: Stopping

    /// Waits for running tasks (up to the wait timeout), then hands the rest back as `initialized`.
    func stop(wait: Bool) async {
        stopping.store(true, ordering: .relaxed)
        guard pool.runningCount > 0 else { return }
        if wait {
            logger.infof("[Stop] current running tasks len[\(pool.runningCount)], waiting...")
            if await pool.waitUntilIdle(timeout: config.waitTimeout) {
                logger.infof("[Stop] current running tasks finished")
                return
            }
        }
        let ids = pool.runningIDs
        guard !ids.isEmpty else { return }
        // Hand the rows back first, then cancel the handlers: a cancelled handler's own status
        // change then finds the row `initialized` and changes nothing.
        handedBack.withLock { $0.formUnion(ids) }
        if !config.dryRun {
            do {
                let changed = try await store.updateStatus(ids: ids, from: .running, to: .initialized, on: db)
                logger.infof("[Stop] change current running tasks to initialized, len[\(ids.count)], changed len[\(changed)]")
            } catch {
                logger.errorf("[Stop] update task status from running to initialized failed, err[\(error)]")
            }
        }
        pool.cancelAll()
    }
}

/// Whether stop has begun; shared by the scheduler and its status writer.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// The flag (always read and written sequentially consistent; the ordering asked is a floor).
    func load(ordering _: AtomicLoadOrdering) -> Bool { value.load(ordering: .sequentiallyConsistent) }
    func store(_ newValue: Bool, ordering _: AtomicStoreOrdering) { value.store(newValue, ordering: .sequentiallyConsistent) }
}
