import Synchronization

/// The definitions registered with one manager, by key (Go: `register.go`).
final class Registry: Sendable {
    private let state = Mutex<[TaskKey: TaskDefinition]>([:])
    /// The key of every scheduled definition, in registration order, for the periodic
    /// scheduler (which may start before or after a registration).
    let scheduledKeys = AsyncStream<TaskKey>.makeStream(bufferingPolicy: .unbounded)

    /// Registers a user definition.
    func register(_ key: TaskKey, _ definition: TaskDefinition) throws {
        guard !key.isBuiltin else {
            throw GTAError(.invalidTaskKey, "task key '\(key)' uses the reserved prefix '\(TaskKey.builtinPrefix)'")
        }
        try add(key, definition)
    }

    /// Registers a definition, built-in ones included.
    func add(_ key: TaskKey, _ definition: TaskDefinition) throws {
        guard !key.rawValue.isEmpty else { throw GTAError(.invalidTaskKey, "task key is empty") }
        // The column (varchar(64), utf8mb4) counts code points, not Swift's grapheme clusters.
        guard key.rawValue.unicodeScalars.count <= TaskKey.maximumLength else {
            throw GTAError(
                .invalidTaskKey,
                "task key '\(key.rawValue.prefix(80))' is longer than \(TaskKey.maximumLength) characters (code points, as the column counts them)")
        }
        guard definition.hasHandler else {
            throw GTAError(.definitionHandlerNil, "task key '\(key)' has a definition without a handler")
        }
        guard definition.retryTimes >= 0 else {
            throw GTAError(.optionInvalid, "task key '\(key)': retry times must be >= 0, got \(definition.retryTimes)")
        }
        if let runTimeout = definition.runTimeout, runTimeout <= .zero {
            throw GTAError(.optionInvalid, "task key '\(key)': run timeout must be > 0, got \(runTimeout.readable)")
        }
        if let schedule = definition.schedule {
            do {
                try schedule.validate()
                _ = try definition.codec?.encode(definition.scheduleArgument)
            } catch let error as GTAError {
                throw GTAError(error.code, "task key '\(key)': schedule: \(error.message)", underlying: error.underlying)
            }
        }
        if key.isBuiltin {
            guard let builtin = definition.builtin, builtin.rowID != 0 else {
                throw GTAError(.definitionPrimaryKeyEmpty, "built-in task '\(key)' has no row id")
            }
            guard builtin.loopInterval > .zero else {
                throw GTAError(.definitionLoopIntervalInvalid, "built-in task '\(key)' has loop interval \(builtin.loopInterval.readable)")
            }
        }
        try state.withLock { definitions in
            guard definitions[key] == nil else {
                throw GTAError(.invalidTaskKey, "task key '\(key)' is already registered")
            }
            definitions[key] = definition
        }
        if definition.schedule != nil { scheduledKeys.continuation.yield(key) }
    }

    /// The scheduled definitions, by key.
    func scheduled() -> [(TaskKey, TaskDefinition)] {
        state.withLock { definitions in
            definitions.filter { $0.value.schedule != nil }.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
        }
    }

    func definition(_ key: TaskKey) -> TaskDefinition? {
        state.withLock { $0[key] }
    }

    /// The keys the scanner claims: plain ones, and init-timeout-sensitive ones.
    func claimableKeys() -> (plain: [TaskKey], sensitive: [TaskKey]) {
        state.withLock { definitions in
            var plain: [TaskKey] = []
            var sensitive: [TaskKey] = []
            for (key, definition) in definitions {
                if definition.initTimeoutSensitive { sensitive.append(key) } else { plain.append(key) }
            }
            return (plain.sorted { $0.rawValue < $1.rawValue }, sensitive.sorted { $0.rawValue < $1.rawValue })
        }
    }

    /// The built-in definitions, by key.
    func builtins() -> [(TaskKey, TaskDefinition)] {
        state.withLock { definitions in
            definitions.filter { $0.key.isBuiltin }.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
        }
    }

    /// Every registered key, built-in ones included, sorted.
    func allKeys() -> [TaskKey] {
        state.withLock { $0.keys.sorted { $0.rawValue < $1.rawValue } }
    }
}
