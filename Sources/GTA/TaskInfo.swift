#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a running handler knows about its task, beyond its context and argument (Swift only:
/// neither the Go API nor its handler signature offers the id).
///
/// A handler gets it in two ways: as the first parameter of the definitions made with an
/// `info` handler, or as ``current`` (a task-local value) from anywhere inside the handler,
/// whatever initializer made its definition:
///
/// ```swift
/// try manager.register("send_mail", TaskDefinition(argumentType: Mail.self) { info, context, mail in
///     try await mailer.send(mail, idempotencyKey: "task-\(info.id)")
/// })
/// // Or, in code the handler calls:
/// if let info = TaskInfo.current, info.attempt > 0 { logger.info("retry \(info.attempt) of task \(info.id)") }
/// ```
///
/// ``current`` is `nil` outside a handler. Child tasks the handler starts in structured
/// concurrency (`async let`, task groups) inherit it; `Task.detached` does not.
///
/// For a definition with ``TaskDefinition/persistRetries``, each run makes one try and
/// ``attempt`` is the row's try count so far (``previousAttempts``, the same value).
public struct TaskInfo: Sendable, Hashable {
    /// The row id (`id`). In a dry run, the random id the task was given.
    public let id: UInt64
    /// The registered definition running it (`task_key`).
    public let key: TaskKey
    /// Which try this is within the current run, from 0: 0 for the first call, 1 for the first
    /// retry, up to the definition's `retryTimes`. It starts again from 0 when the row runs
    /// again (after a rescue, a stop's hand-back or `forceRerunTasks`); ``runs`` and
    /// ``previousAttempts`` tell those runs apart.
    public let attempt: Int
    /// How many times this library moved the row to `running`, this run included (`runs` in
    /// `extra`): 1 on the first run; more after a rescue, a hand-back at stop or a forced rerun.
    /// 0 for a row a Go instance moved to `running` and for dry-run tasks, which carry no lease.
    public let runs: Int
    /// Handler tries that earlier runs of this row spent and failed (`attempts` in `extra`,
    /// counted when a run ends in failure; a run that was interrupted counts none). The tries of
    /// this row so far are `previousAttempts + attempt`.
    public let previousAttempts: Int
    /// When the task was created (`created_at`, second precision on the database).
    public let createdAt: Date
    /// When the task was due: its `run_at` (a delayed task, or the retry time of a persisted
    /// retry), or ``createdAt`` for a task due as soon as it was created (also every row the Go
    /// original wrote, and every row of a table without `run_at`). Second precision.
    public let scheduledAt: Date

    public init(
        id: UInt64, key: TaskKey, attempt: Int = 0, runs: Int = 0, previousAttempts: Int = 0, createdAt: Date = Date(),
        scheduledAt: Date? = nil
    ) {
        self.id = id
        self.key = key
        self.attempt = attempt
        self.runs = runs
        self.previousAttempts = previousAttempts
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt ?? createdAt
    }

    /// The task whose handler is running in the current task, or `nil` outside a handler.
    @TaskLocal public static var current: TaskInfo?

    /// The info of try `attempt` of `task`.
    init(_ task: TaskRecord, attempt: Int) {
        self.init(
            id: task.id, key: task.taskKey, attempt: attempt, runs: task.extra.runs, previousAttempts: task.extra.attempts,
            createdAt: task.createdAt, scheduledAt: task.scheduledAt)
    }
}
