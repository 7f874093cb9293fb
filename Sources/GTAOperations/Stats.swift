import Foundation
import GTA

/// The state of a task table at one moment: counts per key and status, queue lag, stuck rows and
/// the instances holding leases. Built-in rows are left out.
public struct TaskStats: Sendable {
    /// When the stats were taken.
    public var at: Date
    /// One entry per key, sorted by key.
    public var keys: [KeyStats]
    /// The instances seen through the leases of `running` rows, sorted by owner.
    public var instances: [Instance]
    /// The periodic tasks' schedules (``TaskOperations/schedules()``), sorted by key; empty
    /// without a schedules table.
    public var schedules: [ScheduleStatus] = []

    /// What one key's rows look like.
    public struct KeyStats: Sendable, Hashable {
        public var key: TaskKey
        /// Rows per status (statuses none of the four keep their text).
        public var counts: [TaskStatus: Int]
        /// When the oldest waiting row began to wait: its `updated_at`, or its `run_at` when later
        /// (a delayed task waits from its time; rows not yet due are not waiting).
        public var oldestInitialized: Date?
        /// `running` rows whose lease was not renewed within the lease expiry: their worker is gone
        /// (the engine's rescue moves them back unless no instance of this key runs).
        public var expiredLeases: Int
        /// `running` rows without a lease (the Go original's) older than the running timeout.
        public var overdue: Int

        public init(key: TaskKey, counts: [TaskStatus: Int] = [:], oldestInitialized: Date? = nil, expiredLeases: Int = 0, overdue: Int = 0) {
            self.key = key
            self.counts = counts
            self.oldestInitialized = oldestInitialized
            self.expiredLeases = expiredLeases
            self.overdue = overdue
        }

        /// The rows of `status`.
        public subscript(_ status: TaskStatus) -> Int { counts[status] ?? 0 }
        /// Every row of the key.
        public var total: Int { counts.values.reduce(0, +) }
        /// Rows stuck `running`: expired leases and overdue rows.
        public var stuck: Int { expiredLeases + overdue }
        /// The age of the oldest `initialized` row at `now`: how far behind the queue is.
        public func queueLag(at now: Date) -> Duration? {
            oldestInitialized.map { .seconds(max(0, Int64(now.timeIntervalSince($0).rounded(.down)))) }
        }
    }

    /// An instance of this library, seen through the leases it holds.
    public struct Instance: Sendable, Hashable {
        /// The lease owner written into `extra` (process id and random bits).
        public var owner: String
        /// `running` rows under its lease.
        public var running: Int
        /// The latest renewal of any of its leases.
        public var lastRenewal: Date
        /// Of ``running``, those whose lease expired.
        public var expired: Int
    }

    /// The four statuses first, then any other status seen, in text order.
    public var statuses: [TaskStatus] {
        let known: [TaskStatus] = [.initialized, .running, .succeeded, .failed]
        let others = Set(keys.flatMap { $0.counts.keys }).subtracting(known).sorted { $0.rawValue < $1.rawValue }
        return known + others
    }

    /// Rows of `status` over every key.
    public func total(_ status: TaskStatus) -> Int { keys.reduce(0) { $0 + $1[status] } }
}

/// Rows that finished (by `updated_at`) in one minute.
public struct ThroughputMinute: Sendable, Hashable {
    /// The minute's start.
    public var minute: Date
    public var succeeded: Int
    public var failed: Int
}

extension TaskOperations {
    /// The most leased rows read to find the instances.
    static let maximumLeasesRead = 100_000

    /// Counts per key and status, queue lag, expired leases and instances seen.
    public func stats(now: Date = Date()) async throws -> TaskStats {
        var byKey: [TaskKey: TaskStats.KeyStats] = [:]
        func entry(_ row: GTARow) -> TaskKey? {
            let key = TaskKey((try? row.decode(String?.self, "task_key")) ?? nil ?? "")
            if Self.isBuiltin(key) { return nil }
            if byKey[key] == nil { byKey[key] = TaskStats.KeyStats(key: key) }
            return key
        }
        for row in try await sql.countsByKeyAndStatus(on: db) {
            guard let key = entry(row) else { continue }
            let status = TaskStatus(rawValue: (try? row.decode(String?.self, "task_status")) ?? nil ?? "")
            byKey[key]!.counts[status, default: 0] += try row.decode(Int.self, "n")
        }
        let hasRunAt = try await TaskTableSchema.read(table, on: db).hasRunAt
        for row in try await sql.oldestInitializedByKey(now: now, hasRunAt: hasRunAt, on: db) {
            guard let key = entry(row) else { continue }
            byKey[key]!.oldestInitialized = try? row.decode(Date?.self, "oldest")
        }
        let leaseCutoff = now.addingTimeInterval(-leaseExpiry.seconds)
        for row in try await sql.expiredLeasesByKey(cutoff: leaseCutoff, on: db) {
            guard let key = entry(row) else { continue }
            byKey[key]!.expiredLeases = try row.decode(Int.self, "n")
        }
        for row in try await sql.overdueByKey(cutoff: now.addingTimeInterval(-runningTimeout.seconds), on: db) {
            guard let key = entry(row) else { continue }
            byKey[key]!.overdue = try row.decode(Int.self, "n")
        }
        var instances: [String: TaskStats.Instance] = [:]
        for row in try await sql.leases(limit: Self.maximumLeasesRead, on: db) {
            guard let owner = TaskExtra.read(try? row.decode([UInt8]?.self, "extra")).owner,
                let renewed = try? row.decode(Date.self, "updated_at")
            else { continue }
            var instance = instances[owner] ?? TaskStats.Instance(owner: owner, running: 0, lastRenewal: renewed, expired: 0)
            instance.running += 1
            instance.lastRenewal = max(instance.lastRenewal, renewed)
            if renewed < leaseCutoff { instance.expired += 1 }
            instances[owner] = instance
        }
        return TaskStats(
            at: now,
            keys: byKey.values.sorted { $0.key.rawValue < $1.key.rawValue },
            instances: instances.values.sorted { $0.owner < $1.owner },
            schedules: try await schedules())
    }

    /// Succeeded and failed rows per minute over the last `minutes` minutes (the current minute
    /// last), by `updated_at`. Rows of definitions that clean succeeded tasks are deleted when
    /// they succeed and do not count.
    public func throughput(minutes: Int = 15, now: Date = Date()) async throws -> [ThroughputMinute] {
        guard minutes > 0 else { throw OperationsError(.invalidArgument, "minutes must be > 0, got \(minutes)") }
        let current = (now.timeIntervalSince1970 / 60).rounded(.down) * 60
        let first = current - Double(minutes - 1) * 60
        var buckets = (0..<minutes).map {
            ThroughputMinute(minute: Date(timeIntervalSince1970: first + Double($0) * 60), succeeded: 0, failed: 0)
        }
        for row in try await sql.finishedPerSecond(since: Date(timeIntervalSince1970: first), on: db) {
            guard let at = try? row.decode(Date.self, "updated_at") else { continue }
            let index = Int(((at.timeIntervalSince1970 - first) / 60).rounded(.down))
            guard buckets.indices.contains(index) else { continue }
            let n = try row.decode(Int.self, "n")
            if (try? row.decode(String.self, "task_status")) == TaskStatus.succeeded.rawValue {
                buckets[index].succeeded += n
            } else {
                buckets[index].failed += n
            }
        }
        return buckets
    }
}
