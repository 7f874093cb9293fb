import Foundation
import GTA

/// Which rows a list (or a rerun) takes. Every field left `nil` takes every row; built-in rows are
/// left out unless ``key`` names one or ``includeBuiltin`` is set.
public struct TaskFilter: Sendable, Hashable {
    /// Only rows in this status.
    public var status: TaskStatus?
    /// Only rows of this key.
    public var key: TaskKey?
    /// Only rows last updated longer ago than this.
    public var olderThan: Duration?
    /// Only `running` rows whose worker is gone: an expired lease, or (rows without a lease) older
    /// than the running timeout.
    public var stuck: Bool
    /// Include the built-in rows (clean-up, abnormal check).
    public var includeBuiltin: Bool

    public init(status: TaskStatus? = nil, key: TaskKey? = nil, olderThan: Duration? = nil, stuck: Bool = false, includeBuiltin: Bool = false) {
        self.status = status
        self.key = key
        self.olderThan = olderThan
        self.stuck = stuck
        self.includeBuiltin = includeBuiltin
    }
}

/// One page of a list, in id order.
public struct TaskPage: Sendable {
    public var records: [TaskRecord]
    /// The id to pass as `after` for the next page, or `nil` on the last page.
    public var nextAfter: UInt64?
}

/// One row and what can be known of its history.
public struct TaskDetail: Sendable {
    /// The row (``TaskRecord/problems`` names columns that did not read).
    public var record: TaskRecord
    /// The lease of a `running` row that carries one.
    public var lease: Lease?
    /// Whether the row is stuck `running` (see ``TaskFilter/stuck``).
    public var stuck: Bool
    /// Whether it is one of the built-in rows.
    public var isBuiltin: Bool

    /// A lease as the row shows it.
    public struct Lease: Sendable, Hashable {
        /// The instance holding it.
        public var owner: String
        /// Its last renewal (`updated_at`).
        public var renewedAt: Date
        /// When it expires without another renewal.
        public var expiresAt: Date
        /// Whether it expired at the time of reading.
        public var expired: Bool
    }

    /// The argument as text, JSON pretty-printed when it is JSON.
    public var prettyArgument: String? { record.argument.map(PrettyJSON.format) }
    /// The context as text, JSON pretty-printed when it is JSON.
    public var prettyContext: String? { record.context.map(PrettyJSON.format) }
}

extension TaskOperations {
    /// The longest page.
    public static let maximumPageSize = 1000

    /// Rows matching `filter` with ids above `after`, at most `limit`, in id order.
    /// - Throws: ``OperationsError/Code/invalidArgument`` for a limit outside 1...1000.
    public func list(_ filter: TaskFilter = TaskFilter(), after: UInt64? = nil, limit: Int = 50, now: Date = Date()) async throws -> TaskPage {
        guard (1...Self.maximumPageSize).contains(limit) else {
            throw OperationsError(.invalidArgument, "limit must be between 1 and \(Self.maximumPageSize), got \(limit)")
        }
        let rows = try await sql.list(condition: condition(filter, now: now), after: after, limit: limit + 1, on: db)
        var records = TaskRowReader.readAll(rows).records
        var next: UInt64?
        if records.count > limit {
            records.removeLast(records.count - limit)
            next = records.last?.id
        }
        return TaskPage(records: records, nextAfter: next)
    }

    /// How many rows match `filter`.
    public func count(_ filter: TaskFilter = TaskFilter(), now: Date = Date()) async throws -> Int {
        try await sql.count(condition: condition(filter, now: now), on: db)
    }

    /// One row by id, built-in rows included.
    /// - Throws: ``OperationsError/Code/notFound`` when there is no such row.
    public func show(id: UInt64, now: Date = Date()) async throws -> TaskDetail {
        guard let row = try await sql.row(id: id, on: db), let record = TaskRowReader.read(row) else {
            throw OperationsError(.notFound, "no task with id \(id) in table '\(table)'")
        }
        var lease: TaskDetail.Lease?
        if record.taskStatus == .running, let owner = record.extra.owner {
            let expires = record.updatedAt.addingTimeInterval(leaseExpiry.seconds)
            lease = TaskDetail.Lease(owner: owner, renewedAt: record.updatedAt, expiresAt: expires, expired: expires < now)
        }
        return TaskDetail(record: record, lease: lease, stuck: isStuck(record, now: now), isBuiltin: Self.isBuiltin(record.taskKey))
    }

    /// Whether a row is `running` without a live worker (see ``TaskFilter/stuck``).
    public func isStuck(_ record: TaskRecord, now: Date = Date()) -> Bool {
        guard record.taskStatus == .running else { return false }
        let age = now.timeIntervalSince(record.updatedAt)
        return record.extra.owner != nil ? age > leaseExpiry.seconds : age > runningTimeout.seconds
    }

    func condition(_ filter: TaskFilter, now: Date) -> (String, [GTAValue]) {
        sql.filterCondition(filter, leaseCutoff: leaseCutoff(now), runningCutoff: runningCutoff(now), now: now)
    }

    func leaseCutoff(_ now: Date) -> Date { now.addingTimeInterval(-leaseExpiry.seconds) }
    func runningCutoff(_ now: Date) -> Date { now.addingTimeInterval(-runningTimeout.seconds) }
}
