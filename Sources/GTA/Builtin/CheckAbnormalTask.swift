#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The built-in abnormal check: collects rows stuck `running` longer than the running timeout
/// or `initialized` longer than the initialized timeout (within the storage timeout, built-in
/// rows excepted) and passes them to the check callback. Row id 10000, key
/// `builtin:check_abnormal_task`.
enum CheckAbnormalTask {
    static let key: TaskKey = "builtin:check_abnormal_task"
    static let rowID: UInt64 = 10000

    /// Go writes `{"storage_timeout": N, "running_timeout": N, "initialized_timeout": N}`,
    /// each in nanoseconds.
    struct Argument: Codable, Sendable, Equatable {
        var storageTimeout: Int64
        var runningTimeout: Int64
        var initializedTimeout: Int64

        enum CodingKeys: String, CodingKey {
            case storageTimeout = "storage_timeout"
            case runningTimeout = "running_timeout"
            case initializedTimeout = "initialized_timeout"
        }

        init(storageTimeout: Int64, runningTimeout: Int64, initializedTimeout: Int64) {
            self.storageTimeout = storageTimeout
            self.runningTimeout = runningTimeout
            self.initializedTimeout = initializedTimeout
        }

        init(_ config: TaskManager.Configuration) {
            storageTimeout = config.storageTimeout.goNanoseconds
            runningTimeout = config.runningTimeout.goNanoseconds
            initializedTimeout = config.initializedTimeout.goNanoseconds
        }
    }

    /// Loop interval: min(initialized timeout / 2, running timeout / 2, 15 x scan interval).
    static func loopInterval(_ config: TaskManager.Configuration) -> Duration {
        min(config.initializedTimeout / 2, config.runningTimeout / 2, config.scanInterval * 15)
    }

    static func definition(store: TaskStore, db: any GTADatabase, configuration config: TaskManager.Configuration) -> TaskDefinition {
        let logger = config.logger
        let callback = config.checkCallback
        var definition = TaskDefinition(argumentType: Argument.self) { _, argument in
            let now = Date()
            let tasks = try await store.queryAbnormal(
                runningBefore: now.addingTimeInterval(-Double(argument.runningTimeout) / 1e9),
                initializedBefore: now.addingTimeInterval(-Double(argument.initializedTimeout) / 1e9),
                notBefore: now.addingTimeInterval(-Double(argument.storageTimeout) / 1e9),
                excluding: BuiltinTasks.keys,
                on: db
            )
            await callback(logger, tasks)
        }
        definition.builtin = BuiltinSchedule(rowID: rowID, loopInterval: loopInterval(config), argument: Argument(config))
        return definition
    }
}

/// The built-in tasks, together.
package enum BuiltinTasks {
    package static let keys: [TaskKey] = [CleanUpTask.key, CheckAbnormalTask.key]
}
