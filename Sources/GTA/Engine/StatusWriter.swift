#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Writes the final status of finished tasks (`running -> succeeded | failed`, or the delete of
/// a clean-succeeded kind), batching the writes of tasks that end close together.
///
/// A task's end is queued (``enqueue(id:key:outcome:done:)``) and its pool job lasts until the
/// statement carrying it has run, so the pool (and ``TaskManager/stop(wait:)``, and the lease
/// keeper) still sees the task until its row is written; its slot is already free for the next
/// task, and its Swift task has ended. One statement runs at a time;
/// while it runs, later ends queue up and go together in the next statement
/// (`UPDATE ... WHERE task_status = 'running' AND id IN (...)`). Another statement starts beside
/// it (up to ``maxWriters``) only while ends pile up (``backlogPerWriter`` per statement
/// running), so that one slow statement does not hold up the rest. A lone end is written at
/// once, as before.
///
/// Each write stays optimistic per row: when fewer rows change than ids were sent, the rows
/// are read back and every id this write did not move is reported as the zero-rows-affected
/// error, as a single-row write would report it.
final class StatusWriter: Sendable {
    enum Outcome: Sendable, Hashable {
        case succeeded, delete
        /// With the `extra` to record (attempts, last error).
        case failed(TaskExtra)
        /// A persisted retry: back to `initialized`, due at `runAt`, with `extra` to record.
        case retry(TaskExtra, runAt: Date)

        var kind: Int {
            switch self {
            case .succeeded: 0
            case .failed: 1
            case .delete: 2
            case .retry: 3
            }
        }
    }

    struct Entry: Sendable {
        let id: UInt64
        let key: TaskKey
        let outcome: Outcome
        /// Called once the row is written (or its failure logged, or the task given up).
        let done: @Sendable () -> Void
    }

    /// Statements in flight at most; the rest of the ends wait for one of them to finish.
    static let maxWriters = 4
    /// Ends waiting that let one more statement start beside those running: one statement
    /// carries everything that queued while the last one ran (fewer commits for the database),
    /// and a second one starts only when a statement is slow (held by a lock, say) and this many
    /// ends wait.
    static let backlogPerWriter = 64
    /// The most ids in one statement.
    static let maxBatch = 1024

    private struct State {
        var pending: [Entry] = []
        var writers = 0
    }
    private let state = Mutex(State())
    private let db: any GTADatabase
    private let store: TaskStore
    private let logger: Logger
    private let stopping: StoppingFlag
    private let owner: LeaseOwner
    private let metrics: TaskMetrics
    /// Whether this instance gave the task up (handed back at stop, lease lost): its end is then
    /// not written, however long the database was away.
    private let isGivenUp: @Sendable (UInt64) -> Bool

    init(
        db: any GTADatabase, store: TaskStore, logger: Logger, stopping: StoppingFlag, owner: LeaseOwner, metrics: TaskMetrics = .off,
        isGivenUp: @escaping @Sendable (UInt64) -> Bool
    ) {
        self.metrics = metrics
        self.db = db
        self.store = store
        self.logger = logger
        self.stopping = stopping
        self.owner = owner
        self.isGivenUp = isGivenUp
    }

    /// Queues the final write of one task and returns once it has been written (or its failure
    /// logged).
    func write(id: UInt64, key: TaskKey, outcome: Outcome) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            enqueue(id: id, key: key, outcome: outcome) { done.resume() }
        }
    }

    /// Queues the final write of one task and returns at once; `done` is called once the row is
    /// written (or its failure logged). The caller's task may end meanwhile: a pending end
    /// costs its entry here, not a suspended task.
    func enqueue(id: UInt64, key: TaskKey, outcome: Outcome, done: @escaping @Sendable () -> Void) {
        let startWriter = state.withLock { s -> Bool in
            s.pending.append(Entry(id: id, key: key, outcome: outcome, done: done))
            guard s.writers == 0 || (s.writers < Self.maxWriters && s.pending.count >= s.writers * Self.backlogPerWriter) else {
                return false
            }
            s.writers += 1
            return true
        }
        if startWriter {
            // Detached: the finishing task's locals stay behind.
            Task.detached { await self.drain() }
        }
    }

    /// Writes queued ends until none is left.
    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Entry] in
                guard !s.pending.isEmpty else {
                    s.writers -= 1
                    return []
                }
                let take = min(s.pending.count, Self.maxBatch)
                if take == s.pending.count {
                    defer { s.pending = [] }
                    return s.pending
                }
                defer { s.pending.removeFirst(take) }
                return Array(s.pending.prefix(take))
            }
            guard !batch.isEmpty else { return }
            for kind in 0...3 {
                let entries = batch.filter { $0.outcome.kind == kind }
                if !entries.isEmpty { await write(entries) }
            }
            for entry in batch { entry.done() }
        }
    }

    /// Writes the ends of `entries` (all of one kind of outcome). A write that fails for a
    /// connection or transient reason is tried again with backoff (up to 5 s between tries)
    /// until it succeeds or this instance gave the task up: no end is dropped while the process
    /// lives.
    private func write(_ entries: [Entry]) async {
        var remaining = entries
        var delay = Duration.milliseconds(50)
        var tries = 0
        while true {
            remaining = remaining.filter { !isGivenUp($0.id) }
            guard let first = remaining.first else { return }
            let ids = remaining.map(\.id)
            do {
                let changed: Int
                switch first.outcome {
                case .delete: changed = try await store.delete(ids: ids, status: .running, owner: owner, on: db)
                case .succeeded: changed = try await store.updateStatus(ids: ids, from: .running, to: .succeeded, owner: owner, on: db)
                case .failed:
                    var moved = 0
                    for entry in remaining {
                        guard case .failed(let extra) = entry.outcome else { continue }
                        moved += try await store.fail(id: entry.id, extra: extra, owner: owner, on: db)
                    }
                    changed = moved
                case .retry:
                    var moved = 0
                    for entry in remaining {
                        guard case .retry(let extra, let runAt) = entry.outcome else { continue }
                        moved += try await store.retry(id: entry.id, extra: extra, runAt: runAt, owner: owner, on: db)
                    }
                    changed = moved
                }
                if changed < ids.count { await reportUnchanged(remaining, changed: changed) }
                if tries > 0 { logger.info("final status written after retries", metadata: ["count": "\(ids.count)", "tries": "\(tries + 1)"]) }
                return
            } catch {
                guard error.asDatabaseError?.isRetryable == true else {
                    for entry in remaining {
                        logger.error("final status write failed", metadata: .task(entry.id, entry.key, .error(error)))
                    }
                    return
                }
                tries += 1
                if tries == 1 || tries.isMultiple(of: 20) {
                    logger.warning(
                        "final status write failed, retrying", metadata: ["count": "\(ids.count)", "tries": "\(tries)", "error": "\(error)"])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Finds which ids the write did not move and reports each one.
    private func reportUnchanged(_ entries: [Entry], changed: Int) async {
        let outcome = entries[0].outcome
        let target: TaskStatus = outcome.kind == 1 ? .failed : outcome.kind == 3 ? .initialized : .succeeded
        var unchanged: [Entry]
        if entries.count == 1 {
            unchanged = entries
        } else {
            do {
                let statuses = try await store.statuses(ids: entries.map(\.id), owner: owner, on: db)
                // After an update, a row that is not in the target status, or not this owner's,
                // was not moved by it; after a delete, a row still present was not deleted by it.
                unchanged = entries.filter { entry in
                    guard let (status, owned) = statuses[entry.id] else { return false }
                    return outcome == .delete || status != target || (!owned && outcome.kind != 3)
                }
                // Rows someone else also moved to the target (or deleted) cannot be told apart
                // from ours: report the shortfall on the ones left over.
                let unexplained = entries.count - changed - unchanged.count
                if unexplained > 0 {
                    let others = entries.filter { e in !unchanged.contains { $0.id == e.id } }
                    unchanged += others.suffix(unexplained)
                }
            } catch {
                unchanged = entries
                logger.error("reading back task statuses failed", metadata: .error(error))
            }
        }
        let attempted = outcome == .delete ? "deleted" : target.rawValue
        for entry in unchanged {
            metrics.lostRace(entry.key, outcome: attempted)
            let error = GTAError(.zeroRowsAffected, "task \(entry.id) was no longer running when it ended as \(target)")
            if stopping.isSet {
                logger.warning("final status not written: the task was handed back at stop", metadata: .task(entry.id, entry.key, .error(error)))
            } else {
                logger.error("final status not written: the row was moved by someone else", metadata: .task(entry.id, entry.key, .error(error)))
            }
        }
    }
}
