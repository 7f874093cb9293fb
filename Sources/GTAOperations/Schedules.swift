import Foundation
import GTA

/// One periodic task's row in the schedules table (``ScheduleTable``): what `gta stats` and the
/// dashboard list.
public struct ScheduleStatus: Sendable, Hashable {
    /// The scheduled definition's key.
    public var key: TaskKey
    /// The schedule's text as the last instance to look at it stored it (`0 */5 * * * *`, `every 30s`).
    public var schedule: String
    /// The latest due time a task was created for; `nil` before the first.
    public var lastDue: Date?
    /// The next due time.
    public var nextDue: Date?
    /// The id of the task created for ``lastDue``.
    public var lastTaskID: UInt64?

    /// A schedule row's values; ``lastDue``, ``nextDue`` and ``lastTaskID`` default to `nil`.
    public init(key: TaskKey, schedule: String, lastDue: Date? = nil, nextDue: Date? = nil, lastTaskID: UInt64? = nil) {
        self.key = key
        self.schedule = schedule
        self.lastDue = lastDue
        self.nextDue = nextDue
        self.lastTaskID = lastTaskID
    }
}

extension TaskOperations {
    /// The schedules table of this task table.
    public var scheduleTable: TableName { ScheduleTable.name(forTasks: table) }

    /// Every periodic task's schedule row, sorted by key; empty when the table has no schedules
    /// table (a Go original's table that was not migrated).
    public func schedules() async throws -> [ScheduleStatus] {
        guard try await ScheduleTable.exists(forTasks: table, on: db) else { return [] }
        return try await sql.schedules(scheduleTable, on: db).map { row in
            ScheduleStatus(
                key: TaskKey(try row.decode(String.self, "task_key")),
                schedule: (try? row.decode(String?.self, "schedule")) ?? nil ?? "",
                lastDue: try? row.decode(Date?.self, "last_due"),
                nextDue: try? row.decode(Date?.self, "next_due"),
                lastTaskID: try? row.decode(UInt64?.self, "last_task_id"))
        }
    }
}
