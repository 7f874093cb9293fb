#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceContextModule

/// Creates the tasks of scheduled definitions at their due times, one task per due time across
/// every instance (``TaskDefinition/schedule(_:argument:)``).
///
/// One loop per scheduled key, in child tasks of ``run()``; a key registered after the start
/// gets its loop when it is registered. Each loop sleeps until the key's next due time
/// (stretched by a little jitter, at most an hour at a time), then takes one turn: in one
/// transaction it locks the key's row of the schedules table, and when a due time has come that
/// is later than the row's `last_due`, inserts the task (`initialized`, for the scanner of any
/// instance) and moves `last_due` and `next_due` on. Racing instances queue on the lock; the
/// later ones find `last_due` moved and create nothing.
struct PeriodicScheduler: Sendable {
    let registry: Registry
    let store: ScheduleStore
    let creator: TaskCreator
    let assembler: Assembler
    let db: any GTADatabase
    let context: ServiceContext
    let logger: Logger
    /// The longest one sleep lasts before the loop looks again (a clock that jumped, a row
    /// someone edited). The default is one hour.
    var maximumSleep: Duration = .seconds(3600)
    /// The wait before the next turn after a failed one. The default is one second.
    var retryDelay: Duration = .seconds(1)

    /// What one turn did.
    enum Outcome: Sendable, Hashable {
        /// The key has no row yet.
        case missing
        /// Nothing is due before `next`.
        case waiting(next: Date?)
        /// The stored schedule differed and was replaced; `next` is computed afresh.
        case changed(from: String, next: Date?)
        /// The task `id` was created for `due`; `collapsed` when earlier due times were missed.
        case created(id: UInt64, due: Date, collapsed: Bool, next: Date?)
    }

    /// Runs a loop per scheduled key until the surrounding task is cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            // The registry yields every scheduled key once, registered before or after the start;
            // the stream ends when this task is cancelled.
            for await key in registry.scheduledKeys.stream {
                guard let definition = registry.definition(key), let schedule = definition.schedule else { continue }
                group.addTask { await self.loop(key, definition, schedule) }
            }
            group.cancelAll()
        }
    }

    private func loop(_ key: TaskKey, _ definition: TaskDefinition, _ schedule: Schedule) async {
        let metadata: Logger.Metadata = ["task.key": "\(key)", "schedule": "\(schedule)"]
        do {
            guard try await ScheduleTable.exists(forTasks: store.tasks, on: db) else {
                logger.error("\(ScheduleTable.missingError(forTasks: store.tasks, keys: [key]))", metadata: metadata)
                return
            }
        } catch {
            // The database cannot be reached now: the turns below report it and retry.
        }
        logger.info("periodic task scheduled", metadata: metadata)
        while !Task.isCancelled {
            let wake = await turn(key, definition, schedule)
            var wait = wake.map { Duration.seconds(max(0, $0.timeIntervalSince(Date()))) } ?? maximumSleep
            wait = min(wait, maximumSleep) + jitter(schedule)
            do {
                try await Task.sleep(for: wait)
            } catch {
                return
            }
        }
    }

    /// Up to a tenth of the shortest gap between due times, at most 200 ms: instances do not
    /// all knock at the same instant, and the task is still created well within its second.
    private func jitter(_ schedule: Schedule) -> Duration {
        let gap = schedule.shortestGap.components.seconds * 1000
        return .milliseconds(Int64.random(in: 0...min(200, gap / 10)))
    }

    /// One turn for `key`; returns when to look again.
    func turn(_ key: TaskKey, _ definition: TaskDefinition, _ schedule: Schedule) async -> Date? {
        let metadata: Logger.Metadata = ["task.key": "\(key)", "schedule": "\(schedule)"]
        do {
            let template = try assembler.assemble(key: key, definition: definition, context: context, argument: definition.scheduleArgument)
            let outcome = try await ConflictRetry.run { try await take(key, schedule, template) }
            switch outcome {
            case .missing:
                let now = Date(), next = schedule.nextDue(after: now)
                do {
                    try await store.insert(key, schedule: schedule.description, nextDue: next, now: now, on: db)
                    logger.debug("periodic task's schedule row created", metadata: metadata.merging(["next_due": "\(next.map(format) ?? "-")"]) { $1 })
                } catch let error where error.asDatabaseError?.isDuplicateKey == true {
                    // Another instance created it first: its next due time is the same.
                }
                return next
            case .waiting(let next):
                return next
            case .changed(let from, let next):
                logger.info(
                    "periodic task's schedule changed; next due time computed afresh",
                    metadata: metadata.merging(["schedule.previous": "\(from)", "next_due": "\(next.map(format) ?? "-")"]) { $1 })
                return next
            case .created(let id, let due, let collapsed, let next):
                var detail = metadata
                detail["task.id"] = "\(id)"
                detail["due"] = "\(format(due))"
                if collapsed {
                    logger.info("periodic task created once for missed due times (catch-up)", metadata: detail)
                } else {
                    logger.debug("periodic task created", metadata: detail)
                }
                return next
            }
        } catch is CancellationError {
            return nil
        } catch {
            if error.asDatabaseError?.isRetryable == true {
                logger.debug("periodic task's turn failed, will retry", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            } else {
                logger.error("periodic task's turn failed, will retry", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
            return Date().addingTimeInterval(retryDelay.timeInterval)
        }
    }

    /// The transaction of one turn: lock the row, decide, write.
    private func take(_ key: TaskKey, _ schedule: Schedule, _ template: TaskRecord) async throws -> Outcome {
        let store = self.store, creator = self.creator
        return try await db.transaction { tx -> Outcome in
            guard let row = try await store.lock(key, on: tx) else { return .missing }
            let now = Date()
            let text = schedule.description
            guard row.schedule == text else {
                let next = schedule.nextDue(after: now)
                try await store.replaceSchedule(key, schedule: text, nextDue: next, now: now, on: tx)
                return .changed(from: row.schedule, next: next)
            }
            guard let nextDue = row.nextDue, nextDue <= now else {
                if row.nextDue == nil {
                    let next = schedule.nextDue(after: now)
                    try await store.setNextDue(key, nextDue: next, now: now, on: tx)
                    return .waiting(next: next)
                }
                return .waiting(next: row.nextDue)
            }
            // Every due time missed since `nextDue` collapses into the latest one.
            let next = schedule.nextDue(after: now)
            guard let due = schedule.latestDue(atOrBefore: now), due >= nextDue, row.lastDue.map({ due > $0 }) ?? true else {
                try await store.setNextDue(key, nextDue: next, now: now, on: tx)
                return .waiting(next: next)
            }
            var task = template
            task.createdAt = due
            task.updatedAt = now
            let id = try await creator.createInitialized(task, on: tx)
            try await store.recordDue(key, due: due, taskID: id, nextDue: next, now: now, on: tx)
            return .created(id: id, due: due, collapsed: due > nextDue, next: next)
        }
    }

    private func format(_ date: Date) -> String {
        SQLDateTimeText.format(CivilTime(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down)))) + "Z"
    }
}
