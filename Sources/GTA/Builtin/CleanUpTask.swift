#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The built-in clean-up task: deletes `succeeded` rows older than the storage timeout,
/// built-in rows excepted. Row id 9999, key `builtin:clean_up`.
enum CleanUpTask {
    static let key: TaskKey = "builtin:clean_up"
    static let rowID: UInt64 = 9999

    /// Go writes `{"storage_timeout": N}` with N in nanoseconds.
    struct Argument: Codable, Sendable, Equatable {
        var storageTimeout: Int64

        enum CodingKeys: String, CodingKey {
            case storageTimeout = "storage_timeout"
        }

        init(storageTimeout: Int64) { self.storageTimeout = storageTimeout }
        init(_ config: TaskManager.Configuration) { storageTimeout = config.storageTimeout.goNanoseconds }
    }

    /// Loop interval: half the storage timeout.
    static func loopInterval(_ config: TaskManager.Configuration) -> Duration { config.storageTimeout / 2 }

    static func definition(store: TaskStore, db: any GTADatabase, configuration config: TaskManager.Configuration) -> TaskDefinition {
        let logger = config.logger
        var definition = TaskDefinition(argumentType: Argument.self) { _, argument in
            let before = Date().addingTimeInterval(-Double(argument.storageTimeout) / 1e9)
            let deleted = try await store.deleteSucceeded(before: before, excluding: BuiltinTasks.keys, on: db)
            logger.debug("succeeded tasks cleaned up", metadata: ["count": "\(deleted)"])
        }
        definition.builtin = BuiltinSchedule(rowID: rowID, loopInterval: loopInterval(config), argument: Argument(config))
        return definition
    }
}
