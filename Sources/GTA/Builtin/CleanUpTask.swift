import Foundation

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
        init(_ config: TaskConfig) { storageTimeout = config.storageTimeout.goNanoseconds }
    }

    /// Loop interval: half the storage timeout.
    static func loopInterval(_ config: TaskConfig) -> Duration { config.storageTimeout / 2 }

    static func definition(store: TaskStore, db: any GTADatabase, config: TaskConfig) -> TaskDefinition {
        let logger = config.logger
        var definition = TaskDefinition(argumentType: Argument.self) { _, argument in
            let before = Date().addingTimeInterval(-Double(argument.storageTimeout) / 1e9)
            let deleted = try await store.deleteSucceeded(before: before, excluding: BuiltinTasks.keys, on: db)
            logger.debugf("[cleanUp] succeeded tasks deleted, count[\(deleted)]")
        }
        definition.builtinRowID = rowID
        definition.loopInterval = loopInterval(config)
        return definition
    }
}
