#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceContextModule

/// Keeps each built-in task's fixed row going: creates it when missing and re-arms it when it
/// finished long enough ago or is stuck `running` (Go: `monitor.go`).
struct Monitor: Sendable {
    let registry: Registry
    let store: TaskStore
    let db: any GTADatabase
    let assembler: Assembler
    let configuration: TaskManager.Configuration
    let logger: Logger

    /// Runs one loop per built-in task until the surrounding task is cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for (key, definition) in registry.builtins() {
                group.addTask { await self.loop(key, definition) }
            }
        }
    }

    private func loop(_ key: TaskKey, _ definition: TaskDefinition) async {
        guard let interval = definition.builtin?.loopInterval else { return }
        logger.info("built-in task monitor started", metadata: ["task.key": "\(key)", "interval": .duration(interval)])
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
        guard let builtin = definition.builtin else { return }
        let id = builtin.rowID, interval = builtin.loopInterval
        let logger = self.logger
        let store = self.store
        let runningTimeout = configuration.runningTimeout
        let fresh: TaskRecord
        do {
            fresh = try assembler.assemble(key: key, definition: definition, context: configuration.context, argument: builtin.argument)
        } catch {
            logger.error("built-in task does not assemble", metadata: ["task.key": "\(key)", "error": "\(error)"])
            return
        }
        do {
            let missing = try await ConflictRetry.run { try await db.transaction { tx -> Bool in
                guard let row = try await store.getForUpdate(id: id, on: tx) else { return true }
                guard row.taskKey == key else {
                    // The Go schema's auto ids start at 10000: a user task may hold this id.
                    // Leave it alone; never overwrite a user's row.
                    logger.error(
                        "a user task holds the built-in row's id: built-in task skipped; start auto ids above 10000 (see model.sql)",
                        metadata: .task(id, row.taskKey, ["builtin.key": "\(key)"]))
                    return false
                }
                guard Self.isDue(row, loopInterval: interval, runningTimeout: runningTimeout) else { return false }
                let changed = try await store.rearm(id: id, key: key, context: fresh.context, argument: fresh.argument, on: tx)
                if changed == 0 {
                    throw GTAError(.zeroRowsAffected, "re-arming built-in row \(id) changed no row")
                }
                logger.debug("built-in task re-armed", metadata: .task(id, key))
                return false
            } }
            if missing {
                do {
                    try await store.insert(fresh, id: id, on: db)
                    logger.debug("built-in task created", metadata: .task(id, key))
                } catch let error where error.asDatabaseError?.isDuplicateKey == true {
                    // Another instance created it first: fine.
                }
            }
        } catch is CancellationError {
            return
        } catch {
            if error.asDatabaseError?.isTransient == true {
                logger.debug("built-in row met a lock conflict, will retry", metadata: ["task.key": "\(key)", "error": "\(error)"])
            } else {
                logger.error("built-in row update failed", metadata: ["task.key": "\(key)", "error": "\(error)"])
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
}
