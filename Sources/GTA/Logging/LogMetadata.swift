extension Logger.Metadata {
    /// The metadata that names one task.
    static func task(_ id: UInt64, _ key: TaskKey) -> Logger.Metadata {
        ["task.id": "\(id)", "task.key": "\(key.rawValue)"]
    }

    /// The metadata that names one task, with more.
    static func task(_ id: UInt64, _ key: TaskKey, _ more: Logger.Metadata) -> Logger.Metadata {
        task(id, key).merging(more) { _, new in new }
    }

    /// An error, as the `error` item.
    static func error(_ error: any Error) -> Logger.Metadata {
        ["error": "\(error)"]
    }
}

extension Logger.MetadataValue {
    /// A duration, written readably (`1.5s`, `250ms`, `3d12h`).
    static func duration(_ duration: Duration) -> Logger.MetadataValue {
        .string(duration.readable)
    }
}
