#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import Tracing

/// Runs `running` tasks on the pool: the handler with its retries, then the final status
/// (Go: the running half of `scheduler.go`).
final class TaskRunner: Sendable {
    private let registry: Registry
    private let pool: WorkerPool
    private let assembler: Assembler
    private let givenUp: GivenUpTasks
    private let statusWriter: StatusWriter
    private let dryRun: Bool
    /// What the table has: persisted retries need `run_at`.
    private let features: TableFeatures
    /// Told the time of each persisted retry, for this instance's scanner.
    private let waker: ScanWaker
    private let metrics: TaskMetrics
    /// The tracer of the span around each run; `nil`: `InstrumentationSystem.tracer`, at each run.
    private let tracer: (any Tracer)?
    private let logger: Logger

    init(
        registry: Registry, pool: WorkerPool, assembler: Assembler, givenUp: GivenUpTasks, statusWriter: StatusWriter, dryRun: Bool,
        features: TableFeatures = TableFeatures(), waker: ScanWaker = ScanWaker(), metrics: TaskMetrics = .off, tracer: (any Tracer)? = nil, logger: Logger
    ) {
        self.features = features
        self.waker = waker
        self.metrics = metrics
        self.tracer = tracer
        self.registry = registry
        self.pool = pool
        self.assembler = assembler
        self.givenUp = givenUp
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
        pool.start(id: task.id, reserved: reserved) { [self] job in
            if let delay {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            // The pool's job (and the row's lease) lasts until the status is written, though
            // this task ends as soon as the write is queued.
            let end = job.endLater()
            await self.execute(task, handlerReturned: job.handlerReturned) {
                // Its end is over: a later run of the same row here starts afresh.
                self.givenUp.remove(task.id)
                end()
            }
        }
    }

    /// Gives tasks up: this instance no longer owns their rows (handed back at stop, or their
    /// lease was lost), so their handlers are cancelled and their ends write nothing (another
    /// instance may already be running them).
    func giveUp(_ ids: [UInt64], reason: String) {
        // Only jobs still here: an id whose job already ended must not be remembered.
        let running = Set(pool.runningIDs)
        let ids = ids.filter { running.contains($0) }
        guard !ids.isEmpty else { return }
        givenUp.add(ids)
        for id in ids { logger.warning("task given up: \(reason)", metadata: ["task.id": "\(id)"]) }
        pool.cancel(ids: Set(ids))
    }

    /// Tries the handler up to `retryTimes + 1` times, then queues the outcome's write.
    /// `handlerReturned` frees the task's pool slot once the handler is over, before the final
    /// status is written; `ended` is called once, when that write is over (or when nothing is
    /// to be written).
    func execute(_ task: TaskRecord, handlerReturned: @Sendable () -> Void = {}, ended: @escaping @Sendable () -> Void = {}) async {
        let started = ContinuousClock.now
        guard let definition = registry.definition(task.taskKey) else {
            logger.error("task key not registered", metadata: .task(task.id, task.taskKey))
            metrics.finished(task.taskKey, succeeded: false, duration: .zero)
            handlerReturned()
            finish(task, definition: nil, tries: 0, error: "task key '\(task.taskKey)' is not registered", ended: ended)
            return
        }
        logger.debug("task started", metadata: .task(task.id, task.taskKey))
        metrics.started(task)
        let outcome = await attempt(task, definition)
        handlerReturned()
        let cost = ContinuousClock.now - started
        metrics.finished(task.taskKey, succeeded: outcome.error == nil, duration: cost)
        if outcome.error == nil {
            logger.debug("task succeeded", metadata: .task(task.id, task.taskKey, ["duration": .duration(cost)]))
        } else {
            logger.error(
                "task failed",
                metadata: .task(task.id, task.taskKey, ["duration": .duration(cost), "attempts": "\(outcome.tries)", "error": "\(outcome.error ?? "")"]))
        }
        finish(task, definition: definition, tries: outcome.tries, error: outcome.error, ended: ended)
    }

    /// The tries: decode once, then call the handler until it succeeds or the tries are used,
    /// inside the run's span (a child of the restored context). Returns how many tries ran and
    /// the last error (`nil`: it succeeded).
    private func attempt(_ task: TaskRecord, _ definition: TaskDefinition) async -> (tries: Int, error: String?) {
        let restored: ServiceContext
        let call: ArgumentCodec.Call
        do {
            (restored, call) = try assembler.disassemble(task, definition: definition)
        } catch {
            // Decoding fails the same way every time: no retry.
            logger.error("task does not decode", metadata: .task(task.id, task.taskKey, .error(error)))
            return (0, "\(error)")
        }
        let span = TaskSpan.start(for: task, in: restored, tracer: tracer ?? InstrumentationSystem.tracer)
        let outcome = await attempt(task, definition, call, context: span.context, span: span)
        TaskSpan.end(span, tries: outcome.tries, error: outcome.error)
        return outcome
    }

    /// The handler calls of ``attempt(_:_:)``, with `context` (the span's) as the handler's.
    private func attempt(
        _ task: TaskRecord, _ definition: TaskDefinition, _ call: @escaping ArgumentCodec.Call, context: ServiceContext, span: any Span
    ) async -> (tries: Int, error: String?) {
        var lastError = ""
        // Persisted retries: one try per run, counted from the row's earlier tries.
        let persisted = persistsRetries(definition)
        let tries = persisted ? task.extra.attempts...task.extra.attempts : 0...max(0, definition.retryTimes)
        for attempt in tries {
            if attempt > 0, !persisted {
                do {
                    try await Task.sleep(for: definition.retryDelay(attempt))
                } catch {
                    logger.warning("retry cancelled", metadata: .task(task.id, task.taskKey))
                    return (attempt, lastError)
                }
                logger.warning("retrying task", metadata: .task(task.id, task.taskKey, ["attempt": "\(attempt)"]))
                metrics.retried(task.taskKey)
                TaskSpan.retry(span, try: attempt + 1, after: lastError)
            }
            do {
                let info = TaskInfo(task, attempt: attempt)
                try await RunTimeout.run(definition.runTimeout, task: task) {
                    try await TaskInfo.$current.withValue(info) {
                        try await ServiceContext.withValue(context) { try await call(info, context) }
                    }
                }
                return (persisted ? 1 : attempt + 1, nil)
            } catch {
                lastError = "\(error)"
                logger.warning("task handler failed", metadata: .task(task.id, task.taskKey, ["attempt": "\(attempt)", "error": "\(error)"]))
            }
        }
        return (persisted ? 1 : definition.retryTimes + 1, lastError)
    }

    /// Whether `definition` retries through the table here: it asks to, has retries, not a dry
    /// run, and the table has `run_at` (else it retries in memory, as it says in the log).
    private func persistsRetries(_ definition: TaskDefinition) -> Bool {
        guard definition.persistRetries, definition.retryTimes > 0, !dryRun else { return false }
        return features.cached?.hasRunAt == true
    }

    /// `running -> succeeded | failed`, or a delete for clean-succeeded kinds, through the
    /// batching ``StatusWriter``. Zero rows changed means someone else moved the row: reported,
    /// never ignored.
    private func finish(
        _ task: TaskRecord, definition: TaskDefinition?, tries: Int, error: String?, ended: @escaping @Sendable () -> Void
    ) {
        guard !dryRun else { return ended() }
        if givenUp.contains(task.id) {
            logger.warning("task ended after it was given up; its status is left to its new owner", metadata: .task(task.id, task.taskKey))
            return ended()
        }
        let outcome: StatusWriter.Outcome
        if let error {
            var extra = task.extra
            extra.attempts += tries
            extra.lastError = TaskExtra.bounded(error)
            if let definition, tries > 0, persistsRetries(definition), extra.attempts <= definition.retryTimes {
                // Retry through the table: due after the interval, for any instance with the key.
                extra.owner = nil
                let runAt = Date().addingTimeInterval(definition.retryDelay(extra.attempts).timeInterval)
                let due = Date(timeIntervalSince1970: runAt.timeIntervalSince1970.rounded(.up))
                outcome = .retry(extra, runAt: due)
                waker.wake(at: due)
                metrics.retried(task.taskKey)
            } else {
                outcome = .failed(extra)
            }
        } else {
            outcome = (definition?.cleanSucceeded ?? false) ? .delete : .succeeded
        }
        statusWriter.enqueue(id: task.id, key: task.taskKey, outcome: outcome, done: ended)
    }
}

/// The tasks this instance gave up (handed back at stop, or lease lost): their ends write nothing.
final class GivenUpTasks: Sendable {
    private let ids = Mutex<Set<UInt64>>([])
    func add(_ more: [UInt64]) { ids.withLock { $0.formUnion(more) } }
    func contains(_ id: UInt64) -> Bool { ids.withLock { $0.contains(id) } }
    func remove(_ id: UInt64) { _ = ids.withLock { $0.remove(id) } }
}
