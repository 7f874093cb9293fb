import Synchronization

/// Runs `running` tasks on the pool: the handler with its retries, then the final status
/// (Go: the running half of `scheduler.go`).
final class TaskRunner: Sendable {
    private let registry: Registry
    private let pool: WorkerPool
    private let assembler: Assembler
    private let statusWriter: StatusWriter
    private let dryRun: Bool
    private let logger: Logger
    /// Rows this instance gave back at stop: it no longer owns them, so their handlers' ends
    /// write nothing (another instance may already be running them).
    private let handedBack = Mutex<Set<UInt64>>([])

    init(registry: Registry, pool: WorkerPool, assembler: Assembler, statusWriter: StatusWriter, dryRun: Bool, logger: Logger) {
        self.registry = registry
        self.pool = pool
        self.assembler = assembler
        self.statusWriter = statusWriter
        self.dryRun = dryRun
        self.logger = logger
    }

    /// Runs a `running` task on the pool, in its reserved slot (or an extra one), after
    /// `delay` when one is given.
    func schedule(_ task: TaskRecord, reserved: Bool, after delay: Duration? = nil) {
        guard task.taskStatus == .running else {
            logger.error("task handed to the pool is not running", metadata: .task(task.id, task.taskKey, ["task.status": "\(task.taskStatus)"]))
            if reserved { pool.release(1) }
            return
        }
        pool.start(id: task.id, reserved: reserved) { [self] done in
            if let delay {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            await self.execute(task, done: done)
        }
    }

    /// Marks rows as handed back at stop: their handlers' ends write nothing.
    func handBack(_ ids: [UInt64]) {
        handedBack.withLock { $0.formUnion(ids) }
    }

    /// Tries the handler up to `retryTimes + 1` times, then records the outcome. `done` frees
    /// the task's pool slot as soon as its row is written (the job's end frees it otherwise).
    func execute(_ task: TaskRecord, done: @escaping @Sendable () -> Void = {}) async {
        let started = ContinuousClock.now
        guard let definition = registry.definition(task.taskKey) else {
            logger.error("task key not registered", metadata: .task(task.id, task.taskKey))
            await finish(task, definition: nil, succeeded: false, done: done)
            return
        }
        logger.debug("task started", metadata: .task(task.id, task.taskKey))
        let succeeded = await attempt(task, definition)
        let cost = ContinuousClock.now - started
        if succeeded {
            logger.debug("task succeeded", metadata: .task(task.id, task.taskKey, ["duration": .duration(cost)]))
        } else {
            logger.error("task failed", metadata: .task(task.id, task.taskKey, ["duration": .duration(cost)]))
        }
        await finish(task, definition: definition, succeeded: succeeded, done: done)
    }

    /// The tries: decode once, then call the handler until it succeeds or the tries are used.
    private func attempt(_ task: TaskRecord, _ definition: TaskDefinition) async -> Bool {
        let context: ServiceContext
        let call: ArgumentCodec.Call
        do {
            (context, call) = try assembler.disassemble(task, definition: definition)
        } catch {
            // Decoding fails the same way every time: no retry.
            logger.error("task does not decode", metadata: .task(task.id, task.taskKey, .error(error)))
            return false
        }
        for attempt in 0...max(0, definition.retryTimes) {
            if attempt > 0 {
                do {
                    try await Task.sleep(for: definition.retryDelay(attempt))
                } catch {
                    logger.warning("retry cancelled by stop", metadata: .task(task.id, task.taskKey))
                    return false
                }
                logger.warning("retrying task", metadata: .task(task.id, task.taskKey, ["attempt": "\(attempt)"]))
            }
            do {
                try await ServiceContext.withValue(context) { try await call(context) }
                return true
            } catch {
                logger.warning("task handler failed", metadata: .task(task.id, task.taskKey, ["attempt": "\(attempt)", "error": "\(error)"]))
            }
        }
        return false
    }

    /// `running -> succeeded | failed`, or a delete for clean-succeeded kinds, through the
    /// batching ``StatusWriter``. Zero rows changed means someone else moved the row: reported,
    /// never ignored.
    private func finish(_ task: TaskRecord, definition: TaskDefinition?, succeeded: Bool, done: @escaping @Sendable () -> Void) async {
        guard !dryRun else { return }
        if handedBack.withLock({ $0.contains(task.id) }) {
            logger.warning("task ended after it was handed back at stop; its status is left to its new owner", metadata: .task(task.id, task.taskKey))
            return
        }
        let outcome: StatusWriter.Outcome =
            succeeded ? ((definition?.cleanSucceeded ?? false) ? .delete : .succeeded) : .failed
        await statusWriter.write(id: task.id, key: task.taskKey, outcome: outcome, written: done)
    }
}
