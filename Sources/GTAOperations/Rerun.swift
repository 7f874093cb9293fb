import Foundation
import GTA

/// What to rerun: rows by id, or every row a filter takes.
public enum RerunSelection: Sendable, Hashable {
    /// These rows, each moved from the status it is found in.
    case ids([UInt64])
    /// Every row the filter takes. Its status must be `failed`, `succeeded` or `running` (`running`
    /// takes stuck rows only).
    case filter(TaskFilter)
}

/// What a rerun would do, read before doing it (so that a person can confirm it).
public struct RerunPlan: Sendable {
    public var selection: RerunSelection
    /// The rows that would move to `initialized`, in id order.
    public var movable: [Candidate]
    /// The rows asked for that would not move, with the reason.
    public var skipped: [Candidate]
    /// When the plan was read: stuck rows are those stuck at this time.
    public var at: Date

    /// A row of the plan.
    public struct Candidate: Sendable, Hashable {
        public var id: UInt64
        public var key: TaskKey
        /// The status the row was found in; the rerun moves it only from this status.
        public var status: TaskStatus
        /// Why it does not move, or `nil` when it does.
        public var reason: String?
    }
}

/// What a rerun did.
public struct RerunResult: Sendable, Hashable {
    /// Rows moved to `initialized`.
    public var moved: Int
    /// Rows the plan meant to move; the difference moved meanwhile (ran, or were rerun by someone else).
    public var planned: Int

    public init(moved: Int, planned: Int) {
        self.moved = moved
        self.planned = planned
    }
}

extension TaskOperations {
    /// The most rows a filter rerun takes at once.
    public static let maximumRerun = 100_000

    /// Reads what a rerun of `selection` would move. Nothing is written.
    ///
    /// By id: `failed` and `succeeded` rows move, and `running` rows that are stuck; `initialized`
    /// rows (already waiting), live `running` rows, built-in rows and missing ids are skipped with
    /// the reason. By filter: the filter's status must be `failed`, `succeeded` or `running`
    /// (stuck rows only).
    public func planRerun(_ selection: RerunSelection, now: Date = Date()) async throws -> RerunPlan {
        var plan = RerunPlan(selection: selection, movable: [], skipped: [], at: now)
        switch selection {
        case .filter(var filter):
            guard let status = filter.status, [.failed, .succeeded, .running].contains(status) else {
                throw OperationsError(
                    .invalidArgument, "a rerun by filter needs status failed, succeeded or running (stuck rows), got \(filter.status?.description ?? "none")")
            }
            if status == .running { filter.stuck = true }
            filter.includeBuiltin = false
            if let key = filter.key, Self.isBuiltin(key) {
                throw OperationsError(.invalidArgument, "built-in rows are re-armed by their monitor, not rerun")
            }
            for row in try await sql.candidates(condition: condition(filter, now: now), limit: Self.maximumRerun, on: db) {
                let candidate = try candidate(row)
                if Self.isBuiltin(candidate.key) { continue }
                plan.movable.append(candidate)
            }
        case .ids(let ids):
            guard !ids.isEmpty else { throw OperationsError(.invalidArgument, "no task ids given") }
            var found: [UInt64: (RerunPlan.Candidate, TaskRecord)] = [:]
            for row in try await sql.candidates(ids: Array(Set(ids)), on: db) {
                let c = try candidate(row)
                var record = TaskRecord(taskKey: c.key, taskStatus: c.status)
                record.extra = TaskExtra.read(try? row.decode([UInt8]?.self, "extra"))
                record.updatedAt = (try? row.decode(Date.self, "updated_at")) ?? Date(timeIntervalSince1970: 0)
                found[c.id] = (c, record)
            }
            var seen: Set<UInt64> = []
            for id in ids where seen.insert(id).inserted {
                guard var (c, record) = found[id] else {
                    plan.skipped.append(RerunPlan.Candidate(id: id, key: "", status: .unknown, reason: "no such task"))
                    continue
                }
                record.id = id
                c.reason = skipReason(record, now: now)
                if c.reason == nil { plan.movable.append(c) } else { plan.skipped.append(c) }
            }
        }
        return plan
    }

    /// Moves the plan's rows to `initialized`, each only from the status it was found in (and a
    /// `running` row only while still stuck), as ``TaskManager/forceRerunTasks(_:status:)`` does.
    public func rerun(_ plan: RerunPlan, now: Date = Date()) async throws -> RerunResult {
        var byStatus: [TaskStatus: [UInt64]] = [:]
        for c in plan.movable { byStatus[c.status, default: []].append(c.id) }
        var moved = 0
        for (status, ids) in byStatus.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let stuck = status == .running ? sql.stuckCondition(leaseCutoff: leaseCutoff(now), runningCutoff: runningCutoff(now)) : nil
            moved += try await sql.rerun(ids: ids, from: status, stuck: stuck, now: now, on: db)
        }
        return RerunResult(moved: moved, planned: plan.movable.count)
    }

    private func candidate(_ row: GTARow) throws -> RerunPlan.Candidate {
        RerunPlan.Candidate(
            id: try row.decode(UInt64.self, "id"),
            key: TaskKey((try? row.decode(String?.self, "task_key")) ?? nil ?? ""),
            status: TaskStatus(rawValue: (try? row.decode(String?.self, "task_status")) ?? nil ?? ""),
            reason: nil)
    }

    private func skipReason(_ record: TaskRecord, now: Date) -> String? {
        if Self.isBuiltin(record.taskKey) { return "built-in row: its monitor re-arms it" }
        switch record.taskStatus {
        case .failed, .succeeded: return nil
        case .initialized: return "already initialized: waiting for a scanner"
        case .running:
            if isStuck(record, now: now) { return nil }
            let age = Duration.seconds(max(0, Int64(now.timeIntervalSince(record.updatedAt))))
            if let owner = record.extra.owner {
                return "running under a live lease of \(owner) (renewed \(age.readable) ago)"
            }
            return "running for \(age.readable), less than the running timeout (\(runningTimeout.readable))"
        default:
            return "status '\(record.taskStatus)' is not one a rerun moves"
        }
    }
}
