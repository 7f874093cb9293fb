#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A task row, typed. Go: `gta.Task` (Swift's concurrency owns the name `Task`).
public struct TaskRecord: Sendable, Hashable {
    /// The row id (`id`).
    public var id: UInt64
    /// The registered definition that runs it (`task_key`).
    public var taskKey: TaskKey
    /// Where it is in its life (`task_status`).
    public var taskStatus: TaskStatus
    /// The caller's context as the marshaler stored it, or `nil` for SQL `NULL` (`context`).
    public var context: [UInt8]?
    /// The argument as JSON, or `nil` for SQL `NULL` (a `nil` argument) (`argument`).
    public var argument: [UInt8]?
    /// The `extra` column.
    public var extra: TaskExtra
    /// When the row was inserted (`created_at`, second precision).
    public var createdAt: Date
    /// When the status last changed, or the lease was last renewed (`updated_at`, second precision).
    public var updatedAt: Date
    /// The earliest time the row may run (`run_at`, second precision), or `nil` when it is due
    /// since its creation: a row the Go original wrote (the column's default), a table without
    /// the column, or a task created without a delay. Swift only.
    public var runAt: Date?
    /// The stored unique key (`unique_key`: the task key, `:`, the caller's unique key), or `nil`
    /// for a task that is not unique. Swift only.
    public var uniqueKey: String?
    /// What could not be read from the row, one entry per column naming it and why (for example
    /// `"updated_at: ..."` for a zero date). Empty for a sound row; such a row is never claimed,
    /// and admin queries list it with what could be read.
    public var problems: [String] = []

    public init(
        id: UInt64 = 0,
        taskKey: TaskKey,
        taskStatus: TaskStatus,
        context: [UInt8]? = nil,
        argument: [UInt8]? = nil,
        extra: TaskExtra = TaskExtra(),
        createdAt: Date = Date(),
        updatedAt: Date = Date(),
        runAt: Date? = nil,
        uniqueKey: String? = nil
    ) {
        self.id = id
        self.taskKey = taskKey
        self.taskStatus = taskStatus
        self.context = context
        self.argument = argument
        self.extra = extra
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.runAt = runAt
        self.uniqueKey = uniqueKey
    }

    /// When the task was due: ``runAt``, or ``createdAt`` when it has none.
    public var scheduledAt: Date { runAt ?? createdAt }

    /// The argument as text, for logs and reports.
    public var argumentText: String? { argument.map { String(decoding: $0, as: UTF8.self) } }
}
