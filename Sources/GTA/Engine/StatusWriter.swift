import Foundation
import Synchronization

/// Writes the final status of finished tasks (`running -> succeeded | failed`, or the delete of
/// a clean-succeeded kind), batching the writes of tasks that end close together.
///
/// A task's end is queued and its job waits until the statement carrying it has run, so the
/// pool (and ``TaskManager/stop(wait:)``) still sees the task until its row is written. Up to
/// ``maxWriters`` statements run at once; while they run, later ends queue up and go together
/// in the next statement (`UPDATE ... WHERE task_status = 'running' AND id IN (...)`). A lone
/// end is written at once, as before.
///
/// Each write stays optimistic per row: when fewer rows change than ids were sent, the rows
/// are read back and every id this write did not move is reported as the zero-rows-affected
/// error, as a single-row write would report it.
final class StatusWriter: Sendable {
    enum Outcome: Sendable, Hashable {
        case succeeded, failed, delete
    }

    struct Entry: Sendable {
        let id: UInt64
        let key: TaskKey
        let outcome: Outcome
        /// Called as soon as the row is written, before the waiting job resumes.
        let written: @Sendable () -> Void
        let done: CheckedContinuation<Void, Never>
    }

    /// Statements in flight at most; the rest of the ends wait for one of them to finish.
    static let maxWriters = 4
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

    init(db: any GTADatabase, store: TaskStore, logger: Logger, stopping: StoppingFlag) {
        self.db = db
        self.store = store
        self.logger = logger
        self.stopping = stopping
    }

    /// Queues the final write of one task and returns once it has been written (or its failure
    /// logged); `written` runs first, on the writer, as soon as the statement has returned.
    func write(id: UInt64, key: TaskKey, outcome: Outcome, written: @escaping @Sendable () -> Void = {}) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let startWriter = state.withLock { s -> Bool in
                s.pending.append(Entry(id: id, key: key, outcome: outcome, written: written, done: done))
                guard s.writers < Self.maxWriters else { return false }
                s.writers += 1
                return true
            }
            if startWriter {
                // Detached: the finishing task's locals stay behind.
                Task.detached { await self.drain() }
            }
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
            for outcome in [Outcome.succeeded, .failed, .delete] {
                let entries = batch.filter { $0.outcome == outcome }
                if !entries.isEmpty {
                    await write(entries, outcome: outcome)
                    for entry in entries { entry.written() }
                }
            }
            for entry in batch { entry.done.resume() }
        }
    }

    private func write(_ entries: [Entry], outcome: Outcome) async {
        let ids = entries.map(\.id)
        let target: TaskStatus = outcome == .failed ? .failed : .succeeded
        var attempt = 0
        while true {
            do {
                let changed: Int
                switch outcome {
                case .delete: changed = try await store.delete(ids: ids, status: .running, on: db)
                case .succeeded, .failed: changed = try await store.updateStatus(ids: ids, from: .running, to: target, on: db)
                }
                if changed < ids.count { await reportUnchanged(entries, changed: changed, outcome: outcome, target: target) }
                return
            } catch {
                attempt += 1
                let transient = error.asDatabaseError.map { $0.isTransient || $0.isConnectionLost } ?? false
                if transient && attempt < 5 {
                    try? await Task.sleep(for: .milliseconds(50 * attempt))
                    continue
                }
                for entry in entries {
                    logger.error("final status write failed", metadata: .task(entry.id, entry.key, .error(error)))
                }
                return
            }
        }
    }

    /// Finds which ids the write did not move and reports each one.
    private func reportUnchanged(_ entries: [Entry], changed: Int, outcome: Outcome, target: TaskStatus) async {
        var unchanged: [Entry]
        if entries.count == 1 {
            unchanged = entries
        } else {
            do {
                let statuses = try await store.statuses(ids: entries.map(\.id), on: db)
                // After an update, a row that is not in the target status was not moved by it;
                // after a delete, a row still present was not deleted by it.
                unchanged = entries.filter { entry in
                    guard let status = statuses[entry.id] else { return false }
                    return outcome == .delete || status != target
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
        for entry in unchanged {
            let error = GTAError(.zeroRowsAffected, "task \(entry.id) was no longer running when it ended as \(target)")
            if stopping.isSet {
                logger.warning("final status not written: the task was handed back at stop", metadata: .task(entry.id, entry.key, .error(error)))
            } else {
                logger.error("final status not written: the row was moved by someone else", metadata: .task(entry.id, entry.key, .error(error)))
            }
        }
    }
}
