#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every statement the periodic scheduler sends about the schedules table (``ScheduleTable``).
///
/// The table name reaches SQL only as the derived ``TableName`` quoted by the dialect; every
/// value is bound. Statements are written with `?` and rendered in the dialect's placeholders.
struct ScheduleStore: Sendable {
    let dialect: any GTADialect
    /// The task table the schedules belong to.
    let tasks: TableName
    /// The schedules table, quoted.
    let t: String

    init(tasks: TableName, dialect: any GTADialect) {
        self.dialect = dialect
        self.tasks = tasks
        self.t = ScheduleTable.name(forTasks: tasks).quoted(for: dialect)
    }

    /// One key's row.
    struct Row: Sendable, Hashable {
        var schedule: String
        var lastDue: Date?
        var nextDue: Date?
        var lastTaskID: UInt64?
    }

    /// Locks and reads `key`'s row (`SELECT ... FOR UPDATE`; on SQLite the writing transaction
    /// already excludes every other writer); `nil` when it has none.
    func lock(_ key: TaskKey, on tx: any GTATransaction) async throws -> Row? {
        let sql = "SELECT schedule, last_due, next_due, last_task_id FROM \(t) WHERE task_key = ? \(dialect.lockForUpdate)"
        guard let row = try await tx.query(dialect.placeholders(sql), [.string(key.rawValue)]).first else { return nil }
        return Row(
            schedule: (try? row.decode(String?.self, "schedule")) ?? nil ?? "",
            lastDue: try row.decode(Date?.self, "last_due"),
            nextDue: try row.decode(Date?.self, "next_due"),
            lastTaskID: try? row.decode(UInt64?.self, "last_task_id"))
    }

    /// Inserts `key`'s row; a duplicate key (another instance inserted it first) is thrown.
    func insert(_ key: TaskKey, schedule: String, nextDue: Date?, now: Date, on db: any GTAExecutor) async throws {
        try await db.execute(
            dialect.placeholders("INSERT INTO \(t) (task_key, schedule, last_due, next_due, updated_at) VALUES (?, ?, NULL, ?, ?)"),
            [.string(key.rawValue), .string(schedule), nextDue.map { .date($0) } ?? .null, .date(now)])
    }

    /// Writes a new schedule text and next due time (a changed schedule), keeping `last_due`.
    func replaceSchedule(_ key: TaskKey, schedule: String, nextDue: Date?, now: Date, on tx: any GTATransaction) async throws {
        try await tx.execute(
            dialect.placeholders("UPDATE \(t) SET schedule = ?, next_due = ?, updated_at = ? WHERE task_key = ?"),
            [.string(schedule), nextDue.map { .date($0) } ?? .null, .date(now), .string(key.rawValue)])
    }

    /// Records a due time taken: its task's id and the next due time.
    func recordDue(_ key: TaskKey, due: Date, taskID: UInt64, nextDue: Date?, now: Date, on tx: any GTATransaction) async throws {
        let changed = try await tx.execute(
            dialect.placeholders("UPDATE \(t) SET last_due = ?, last_task_id = ?, next_due = ?, updated_at = ? WHERE task_key = ?"),
            [.date(due), .uint(taskID), nextDue.map { .date($0) } ?? .null, .date(now), .string(key.rawValue)]
        ).rowsAffected
        if changed == 0 {
            throw GTAError(.zeroRowsAffected, "schedule of task key '\(key)': recording the due time changed no row")
        }
    }

    /// Moves the next due time alone (it was missing or behind).
    func setNextDue(_ key: TaskKey, nextDue: Date?, now: Date, on tx: any GTATransaction) async throws {
        try await tx.execute(
            dialect.placeholders("UPDATE \(t) SET next_due = ?, updated_at = ? WHERE task_key = ?"),
            [nextDue.map { .date($0) } ?? .null, .date(now), .string(key.rawValue)])
    }
}
