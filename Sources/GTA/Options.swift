import ServiceContextModule

/// Receives the abnormal tasks the built-in check found. Go: `func(logger Logger, abnormalTasks []Task)`.
public typealias CheckCallback = @Sendable (any Logger, [TaskRecord]) async -> Void

/// Every setting of a ``TaskManager``, with the original's defaults. The `.withXxx` options fill
/// it; ``TaskManager/config`` shows the result.
public struct TaskConfig: Sendable {
    /// The manager's context: built-in tasks are created with it and loggers are made for it.
    /// The default is `ServiceContext.topLevel`.
    public var context: ServiceContext = .topLevel
    /// Makes the logger for a context. The default writes through swift-log (``SwiftLogLogger``).
    public var loggerFactory: LoggerFactory = SwiftLogLogger.defaultFactory
    /// How long finished rows are kept before the clean-up task deletes succeeded ones, and how
    /// far back the abnormal check looks. The default is 7 days.
    public var storageTimeout: Duration = .seconds(7 * 24 * 3600)
    /// How long a row may stay `initialized` before the abnormal check reports it (and before an
    /// init-timeout-sensitive kind stops being claimed). The default is 5 minutes.
    public var initializedTimeout: Duration = .seconds(5 * 60)
    /// How long a row may stay `running` before the abnormal check reports it. The default is 30 minutes.
    public var runningTimeout: Duration = .seconds(30 * 60)
    /// How long ``TaskManager/stop(wait:)`` waits for running tasks; `nil` waits for ever.
    /// The default is `nil` (Go: 0).
    public var waitTimeout: Duration? = nil
    /// The pause after an empty scan, a full pool or an error. The default is 5 seconds.
    public var scanInterval: Duration = .seconds(5)
    /// The pause after a scan that found work. The default is 100 milliseconds.
    public var instantScanInterval: Duration = .milliseconds(100)
    /// Stores and restores the caller's context. The default stores nothing (``DefaultCtxMarshaler``).
    public var ctxMarshaler: any CtxMarshaler = DefaultCtxMarshaler()
    /// Receives abnormal tasks. The default logs their number and each one's id, key and status.
    public var checkCallback: CheckCallback = TaskConfig.defaultCheckCallback
    /// Run tasks in-process without reading or writing any row. The default is `false`.
    public var dryRun: Bool = false
    /// How many handlers run at once; `nil` is unbounded. The default is `nil`.
    public var poolSize: Int? = nil

    public init() {}

    /// The logger for the manager's own context.
    var logger: any Logger { loggerFactory(context) }

    /// The default check callback: logs the abnormal tasks.
    public static let defaultCheckCallback: CheckCallback = { logger, tasks in
        guard !tasks.isEmpty else { return }
        logger.warnf("[checkAbnormalTask] abnormal tasks found, count[\(tasks.count)]")
        for task in tasks {
            logger.warnf(
                "[checkAbnormalTask] abnormal task, task_id[\(task.id)], task_key[\(task.taskKey)], task_status[\(task.taskStatus)], updated_at[\(task.updatedAt)]"
            )
        }
    }
}

/// One setting for ``TaskManager/init(db:table:_:)``: Go's `gta.Option`, written `.withXxx(...)`.
///
/// ```swift
/// let manager = try TaskManager(db: db, table: "tasks", .withPoolSize(10), .withScanInterval(.seconds(2)))
/// ```
public struct Option: Sendable {
    let apply: @Sendable (inout TaskConfig) throws -> Void

    /// Go: `WithContext`. The default is `ServiceContext.topLevel`.
    public static func withContext(_ context: ServiceContext) -> Option {
        Option { $0.context = context }
    }

    /// Go: `WithLoggerFactory`. Must not be `nil`. The default writes through swift-log.
    public static func withLoggerFactory(_ factory: LoggerFactory?) -> Option {
        Option {
            guard let factory else { throw GTAError(.optionInvalid, "logger factory must not be nil") }
            $0.loggerFactory = factory
        }
    }

    /// Go: `WithStorageTimeout`. Must be > 0. The default is 7 days.
    public static func withStorageTimeout(_ duration: Duration) -> Option {
        Option { $0.storageTimeout = duration; try positive(duration, "storage timeout") }
    }

    /// Go: `WithInitializedTimeout`. Must be > 0 and <= the storage timeout. The default is 5 minutes.
    public static func withInitializedTimeout(_ duration: Duration) -> Option {
        Option { $0.initializedTimeout = duration; try positive(duration, "initialized timeout") }
    }

    /// Go: `WithRunningTimeout`. Must be > 0 and <= the storage timeout. The default is 30 minutes.
    public static func withRunningTimeout(_ duration: Duration) -> Option {
        Option { $0.runningTimeout = duration; try positive(duration, "running timeout") }
    }

    /// Go: `WithWaitTimeout`. Must be > 0. The default waits for ever.
    public static func withWaitTimeout(_ duration: Duration) -> Option {
        Option { $0.waitTimeout = duration; try positive(duration, "wait timeout") }
    }

    /// Go: `WithScanInterval`. Must be > 0 and <= the storage, initialized and running timeouts.
    /// The default is 5 seconds.
    public static func withScanInterval(_ duration: Duration) -> Option {
        Option { $0.scanInterval = duration; try positive(duration, "scan interval") }
    }

    /// Go: `WithInstantScanInterval`. Must be > 0 and <= the scan interval. The default is 100 ms.
    public static func withInstantScanInterval(_ duration: Duration) -> Option {
        Option { $0.instantScanInterval = duration; try positive(duration, "instant scan interval") }
    }

    /// Go: `WithCtxMarshaler`. Must not be `nil`. The default stores nothing.
    public static func withCtxMarshaler(_ marshaler: (any CtxMarshaler)?) -> Option {
        Option {
            guard let marshaler else { throw GTAError(.optionInvalid, "context marshaler must not be nil") }
            $0.ctxMarshaler = marshaler
        }
    }

    /// Go: `WithCheckCallback`. Must not be `nil`. The default logs the abnormal tasks.
    public static func withCheckCallback(_ callback: CheckCallback?) -> Option {
        Option {
            guard let callback else { throw GTAError(.optionInvalid, "check callback must not be nil") }
            $0.checkCallback = callback
        }
    }

    /// Go: `WithDryRun`. The default is `false`.
    public static func withDryRun(_ flag: Bool) -> Option {
        Option { $0.dryRun = flag }
    }

    /// Go: `WithPoolSize`. Must be > 0. The default is unbounded.
    public static func withPoolSize(_ size: Int) -> Option {
        Option {
            guard size > 0 else { throw GTAError(.optionInvalid, "pool size must be > 0, got \(size)") }
            $0.poolSize = size
        }
    }

    private static func positive(_ duration: Duration, _ name: String) throws {
        guard duration > .zero else { throw GTAError(.optionInvalid, "\(name) must be > 0, got \(duration)") }
    }
}

extension TaskConfig {
    /// Applies options in order, then checks the rules between them.
    static func make(_ options: [Option]) throws -> TaskConfig {
        var config = TaskConfig()
        for option in options { try option.apply(&config) }
        try config.validate()
        return config
    }

    func validate() throws {
        func fail(_ rule: String) -> GTAError { GTAError(.optionInvalid, rule) }
        if initializedTimeout > storageTimeout {
            throw fail("initialized timeout (\(initializedTimeout)) must be <= storage timeout (\(storageTimeout))")
        }
        if runningTimeout > storageTimeout {
            throw fail("running timeout (\(runningTimeout)) must be <= storage timeout (\(storageTimeout))")
        }
        if scanInterval > storageTimeout || scanInterval > initializedTimeout || scanInterval > runningTimeout {
            throw fail("scan interval (\(scanInterval)) must be <= storage, initialized and running timeouts")
        }
        if instantScanInterval > scanInterval {
            throw fail("instant scan interval (\(instantScanInterval)) must be <= scan interval (\(scanInterval))")
        }
    }
}
