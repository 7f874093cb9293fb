import Metrics
import Tracing

/// One setting for ``TaskManager/init(db:table:_:)``: Go's `gta.Option`, written `.withXxx(...)`.
///
/// ```swift
/// let manager = try TaskManager(db: db, table: "tasks", .withPoolSize(10), .withScanInterval(.seconds(2)))
/// ```
///
/// Each option sets one field of ``TaskManager/Configuration``, where its default and rule are
/// documented; the rules are checked once all options are applied
/// (``TaskManager/Configuration/validate()``).
public struct Option: Sendable {
    let apply: @Sendable (inout TaskManager.Configuration) -> Void

    /// Go: `WithContext`. Sets ``TaskManager/Configuration/context``; the default is `.topLevel`.
    public static func withContext(_ context: ServiceContext) -> Option {
        Option { $0.context = context }
    }

    /// Go: `WithLoggerFactory`. Sets ``TaskManager/Configuration/loggerFactory``; the default
    /// is swift-log's `Logger(label: "gta")`.
    public static func withLoggerFactory(_ factory: @escaping LoggerFactory) -> Option {
        Option { $0.loggerFactory = factory }
    }

    /// Go: `WithStorageTimeout`. Must be > 0. The default is 7 days.
    public static func withStorageTimeout(_ duration: Duration) -> Option {
        Option { $0.storageTimeout = duration }
    }

    /// Go: `WithInitializedTimeout`. Must be > 0 and <= the storage timeout. The default is 5 minutes.
    public static func withInitializedTimeout(_ duration: Duration) -> Option {
        Option { $0.initializedTimeout = duration }
    }

    /// Go: `WithRunningTimeout`. Must be > 0 and <= the storage timeout. The default is 30 minutes.
    public static func withRunningTimeout(_ duration: Duration) -> Option {
        Option { $0.runningTimeout = duration }
    }

    /// Go: `WithWaitTimeout`. Must be > 0. The default waits for ever.
    public static func withWaitTimeout(_ duration: Duration) -> Option {
        Option { $0.waitTimeout = duration }
    }

    /// Go: `WithScanInterval`. Must be > 0 and <= the storage, initialized and running timeouts.
    /// The default is 5 seconds.
    public static func withScanInterval(_ duration: Duration) -> Option {
        Option { $0.scanInterval = duration }
    }

    /// Go: `WithInstantScanInterval`. Must be > 0 and <= the scan interval. The default is 100 ms.
    public static func withInstantScanInterval(_ duration: Duration) -> Option {
        Option { $0.instantScanInterval = duration }
    }

    /// Go: `WithCtxMarshaler`. The default stores the trace context when a tracing instrument is
    /// bootstrapped, and otherwise nothing.
    public static func withCtxMarshaler(_ marshaler: any CtxMarshaler) -> Option {
        Option { $0.ctxMarshaler = marshaler }
    }

    /// Go: `WithCheckCallback`. The default logs the abnormal tasks.
    public static func withCheckCallback(_ callback: @escaping CheckCallback) -> Option {
        Option { $0.checkCallback = callback }
    }

    /// Go: `WithDryRun`. The default is `false`.
    public static func withDryRun(_ flag: Bool) -> Option {
        Option { $0.dryRun = flag }
    }

    /// Go: `WithPoolSize`. Must be > 0. The default is unbounded.
    public static func withPoolSize(_ size: Int) -> Option {
        Option { $0.poolSize = size }
    }
}

extension Option {
    /// Swift only: how often leases are renewed and expired ones looked for. Must be > 0. The
    /// default is 10 seconds.
    public static func withLeaseInterval(_ duration: Duration) -> Option {
        Option { $0.leaseInterval = duration }
    }

    /// Swift only: how long a lease lives without renewal. Must be >= 3 lease intervals. The
    /// default is 40 seconds.
    public static func withLeaseExpiry(_ duration: Duration) -> Option {
        Option { $0.leaseExpiry = duration }
    }

    /// Swift only: how many times a task may lose its worker and still run again. Must be >= 0.
    /// The default is 3.
    public static func withRescueLimit(_ limit: Int) -> Option {
        Option { $0.rescueLimit = limit }
    }

    /// Swift only: whether this instance rescues expired leases of its keys. The default is `true`.
    public static func withRescue(_ flag: Bool) -> Option {
        Option { $0.rescue = flag }
    }

    /// Swift only: whether the manager records metrics. The default is `true` (nothing is
    /// recorded until a swift-metrics backend is bootstrapped or a factory given).
    public static func withMetrics(_ flag: Bool) -> Option {
        Option { $0.metrics = flag }
    }

    /// Swift only: the swift-metrics factory the manager's metrics are made with. The default is
    /// the global `MetricsSystem.factory` when the manager is made.
    public static func withMetricsFactory(_ factory: any MetricsFactory) -> Option {
        Option { $0.metricsFactory = factory }
    }

    /// Swift only: the start of every metric's name. Letters, digits, `_` and `:`. The default is `"gta_"`.
    public static func withMetricsPrefix(_ prefix: String) -> Option {
        Option { $0.metricsPrefix = prefix }
    }

    /// Swift only: how often the waiting rows are counted for the queue gauges; `nil` sends no
    /// query. Must be > 0. The default is 15 seconds.
    public static func withQueueMetricsInterval(_ interval: Duration?) -> Option {
        Option { $0.queueMetricsInterval = interval }
    }

    /// Swift only: the tracer of the span around each handler run. The default is
    /// `InstrumentationSystem.tracer`.
    public static func withTracer(_ tracer: any Tracer) -> Option {
        Option { $0.tracer = tracer }
    }
}

extension TaskManager.Configuration {
    /// The configuration the options make: the defaults, each option applied in order, then
    /// every rule checked.
    /// - Throws: ``GTAError/optionInvalid`` naming the rule broken.
    public init(_ options: [Option]) throws {
        self.init()
        for option in options { option.apply(&self) }
        try validate()
    }
}
