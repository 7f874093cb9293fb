import Foundation
import ServiceContextModule

/// Keeps each built-in task's fixed row going: creates it when missing and re-arms it when it
/// finished long enough ago or is stuck `running` (Go: `monitor.go`).
struct Monitor: Sendable {
    let scheduler: Scheduler

    /// Runs one loop per built-in task until the surrounding task is cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for (key, definition) in scheduler.registry.builtins() {
                group.addTask { await self.loop(key, definition) }
            }
        }
    }

    private func loop(_ key: TaskKey, _ definition: TaskDefinition) async {
        guard let interval = definition.loopInterval else { return }
        scheduler.logger.infof("[GoMonitorBuiltinTasks] monitor built-in task start, task_key[\(key)], monitor interval[\(interval)]")
        while !Task.isCancelled {
            await turn(key, definition)
            do {
                try await Task.sleep(for: interval.jittered())
            } catch {
                return
            }
        }
    }

    /// One turn: lock the fixed row; insert it if missing, re-arm it if due.
    func turn(_ key: TaskKey, _ definition: TaskDefinition) async {
        guard let id = definition.builtinRowID, let interval = definition.loopInterval else { return }
        let logger = scheduler.logger
        let store = scheduler.store
        let runningTimeout = scheduler.config.runningTimeout
        let fresh: TaskRecord
        do {
            fresh = try scheduler.assembler.assemble(
                key: key, definition: definition, context: scheduler.config.context,
                argument: builtinArgument(key), status: .initialized)
        } catch {
            logger.errorf("[monitorBuiltinTask] assemble built-in task failed, err[\(error)], task_key[\(key)]")
            return
        }
        do {
            let missing = try await scheduler.db.transaction { tx -> Bool in
                guard let row = try await store.getForUpdate(id: id, on: tx) else { return true }
                guard row.taskKey == key else {
                    // The Go schema's auto ids start at 10000: a user task may hold this id.
                    // Leave it alone; never overwrite a user's row.
                    logger.errorf(
                        "[monitorBuiltinTask] row \(id) holds task_key[\(row.taskKey)], not \(key): built-in task skipped; start auto ids above 10000 (see model.sql)")
                    return false
                }
                guard Self.isDue(row, loopInterval: interval, runningTimeout: runningTimeout) else { return false }
                let changed = try await store.rearm(id: id, key: key, context: fresh.context, argument: fresh.argument, on: tx)
                if changed == 0 {
                    throw GTAError(.zeroRowsAffected, "re-arming built-in row \(id) changed no row")
                }
                logger.debugf("[monitorBuiltinTask] built-in task re-armed, task_key[\(key)], task_id[\(id)]")
                return false
            }
            if missing {
                do {
                    try await store.insert(fresh, id: id, on: scheduler.db)
                    logger.debugf("[monitorBuiltinTask] built-in task created, task_key[\(key)], task_id[\(id)]")
                } catch let error where error.asDatabaseError?.isDuplicateKey == true {
                    // Another instance created it first: fine.
                }
            }
        } catch is CancellationError {
            return
        } catch {
            if error.asDatabaseError?.isTransient == true {
                logger.debugf("[monitorBuiltinTask] lock conflict, will retry, err[\(error)], task_key[\(key)]")
            } else {
                logger.errorf("[monitorBuiltinTask] update transaction failed, err[\(error)], task_key[\(key)]")
            }
        }
    }

    /// Finished longer ago than the loop interval, or `running` longer than the running timeout.
    static func isDue(_ row: TaskRecord, loopInterval: Duration, runningTimeout: Duration, now: Date = Date()) -> Bool {
        let age = now.timeIntervalSince(row.updatedAt)
        switch row.taskStatus {
        case .succeeded, .failed: return age >= loopInterval.timeInterval
        case .running: return age >= runningTimeout.timeInterval
        default: return false
        }
    }

    private func builtinArgument(_ key: TaskKey) -> (any Sendable)? {
        let config = scheduler.config
        switch key {
        case CleanUpTask.key: return CleanUpTask.Argument(config)
        case CheckAbnormalTask.key: return CheckAbnormalTask.Argument(config)
        default: return nil
        }
    }
}
