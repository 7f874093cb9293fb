import Metrics
import Tracing

/// Receives the abnormal tasks the built-in check found.
/// Go: `func(logger Logger, abnormalTasks []Task)`.
public typealias CheckCallback = @Sendable (Logger, [TaskRecord]) async -> Void

extension TaskManager {
    /// Every setting of a ``TaskManager``, with the Go original's defaults: the Swift way to
    /// make a manager (``TaskManager/init(db:table:configuration:)``).
    ///
    /// ```swift
    /// var configuration = TaskManager.Configuration()
    /// configuration.poolSize = 16
    /// configuration.scanInterval = .seconds(2)
    /// let manager = try TaskManager(db: db, table: "tasks", configuration: configuration)
    /// ```
    ///
    /// The `.withXxx` options (``Option``) set the same fields, so
    /// `TaskManager(db:table:.withPoolSize(16))` makes the same manager. Every rule is checked
    /// in one place, ``validate()``, when a manager is made; a broken rule throws
    /// ``GTAError/optionInvalid`` with a message naming it.
    public struct Configuration: Sendable {
        /// The manager's context: built-in tasks are created with it and loggers are made for it.
        /// Go: `WithContext`. The default is `ServiceContext.topLevel`.
        public var context: ServiceContext = .topLevel
        /// Makes the logger for a context. Go: `WithLoggerFactory`. The default is
        /// ``GTALogging/defaultFactory``: swift-log's `Logger(label: "gta")`.
        public var loggerFactory: LoggerFactory = GTALogging.defaultFactory
        /// How long finished rows are kept before the clean-up task deletes succeeded ones, and how
        /// far back the abnormal check looks. Go: `WithStorageTimeout`. Must be > 0. The default
        /// is 7 days.
        public var storageTimeout: Duration = .seconds(7 * 24 * 3600)
        /// How long a row may stay `initialized` before the abnormal check reports it (and before
        /// an init-timeout-sensitive kind stops being claimed). Go: `WithInitializedTimeout`.
        /// Must be > 0 and <= ``storageTimeout``. The default is 5 minutes.
        public var initializedTimeout: Duration = .seconds(5 * 60)
        /// How long a row may stay `running` before the abnormal check reports it.
        /// Go: `WithRunningTimeout`. Must be > 0 and <= ``storageTimeout``. The default is 30 minutes.
        public var runningTimeout: Duration = .seconds(30 * 60)
        /// How long ``TaskManager/stop(wait:)`` (and a graceful shutdown of ``TaskManager/run()``)
        /// waits for running tasks; `nil` waits for ever. Go: `WithWaitTimeout` (0 there means
        /// for ever). Must be > 0 when set. The default is `nil`.
        public var waitTimeout: Duration? = nil
        /// The pause after an empty scan, a full pool or an error. Go: `WithScanInterval`.
        /// Must be > 0 and <= the storage, initialized and running timeouts. The default is 5 seconds.
        public var scanInterval: Duration = .seconds(5)
        /// The pause after a scan that found work. Go: `WithInstantScanInterval`. Must be > 0 and
        /// <= ``scanInterval``. The default is 100 milliseconds.
        public var instantScanInterval: Duration = .milliseconds(100)
        /// Stores and restores the caller's context. Go: `WithCtxMarshaler`. The default
        /// (``DefaultCtxMarshaler``) stores the trace context when a tracing instrument is
        /// bootstrapped, and otherwise nothing, as the Go original's default.
        public var ctxMarshaler: any CtxMarshaler = DefaultCtxMarshaler()
        /// Receives abnormal tasks. Go: `WithCheckCallback`. The default
        /// (``defaultCheckCallback``) logs their number and each one's id, key and status.
        public var checkCallback: CheckCallback = Configuration.defaultCheckCallback
        /// Run tasks in-process without reading or writing any row. Go: `WithDryRun`. The default
        /// is `false`.
        public var dryRun: Bool = false
        /// How many handlers run at once; `nil` is unbounded. Go: `WithPoolSize`. Must be > 0
        /// when set. The default is `nil`.
        ///
        /// A slot is free once its handler returns (the final status is written after). While
        /// handlers return sooner than a claim takes, a claim takes up to four pools' worth of
        /// tasks ahead; they wait in memory, leased, for a slot.
        public var poolSize: Int? = nil

        /// How often an instance renews the leases of the tasks it runs (one statement per
        /// interval) and looks for expired leases to rescue. Swift only. Must be > 0. The default
        /// is 10 seconds.
        public var leaseInterval: Duration = .seconds(10)
        /// How long a lease lives without renewal: a `running` row of this library whose lease was
        /// not renewed for this long lost its worker and is rescued. Swift only. Must be at least
        /// three lease intervals, so that a renewal or two may fail without losing the lease. The
        /// default is 40 seconds: a killed worker's tasks run again within about a minute (up to
        /// one lease interval since the last renewal, plus the expiry and a second for
        /// `updated_at`'s precision, plus one rescue interval with its 20% stretch:
        /// 10 + 41 + 12 = 63 seconds at worst).
        public var leaseExpiry: Duration = .seconds(40)
        /// How many times a task may lose its worker (be rescued) and still run again; the next
        /// loss fails it with the reason in `extra`, so that a task that kills its process does not
        /// loop for ever. Swift only. Must be >= 0. The default is 3.
        public var rescueLimit: Int = 3
        /// Whether this instance rescues expired leases of its keys. Swift only. Leases are still
        /// written and renewed when it is off. The default is `true`.
        public var rescue: Bool = true

        /// Whether the manager records metrics (``metricsFactory``, `Docs/operations.md`). Swift
        /// only. With no factory given and no swift-metrics backend bootstrapped, nothing is
        /// recorded and the queue query is not sent, whatever this says. The default is `true`.
        public var metrics: Bool = true
        /// The swift-metrics factory the manager's metrics are made with, once, when the manager
        /// is made; `nil` takes the global `MetricsSystem.factory` then (bootstrap it first).
        /// Swift only. The default is `nil`.
        public var metricsFactory: (any MetricsFactory)? = nil
        /// The start of every metric's name, such as `gta_` in `gta_tasks_created_total`: give two
        /// managers in one process different prefixes to keep their series apart. Swift only.
        /// Letters, digits, `_` and `:` only (a Prometheus name), not starting with a digit; may be
        /// empty. The default is `"gta_"`.
        public var metricsPrefix: String = "gta_"
        /// How often the instance counts the waiting (`initialized`) rows of its keys and the age of
        /// the oldest, for `gta_tasks_waiting` and `gta_queue_lag_seconds`: one grouped query per
        /// interval. `nil` sends no query. Swift only. Must be > 0 when set. The default is 15 seconds.
        public var queueMetricsInterval: Duration? = .seconds(15)
        /// The tracer that makes a span around each handler run, a child of the context that
        /// created the task (see ``TracingCtxMarshaler``); `nil` takes swift-distributed-tracing's
        /// `InstrumentationSystem.tracer` at each run (a no-op until one is bootstrapped). Swift
        /// only. The default is `nil`.
        public var tracer: (any Tracer)? = nil

        /// The original's defaults.
        public init() {}

        /// Checks every rule, in one place.
        /// - Throws: ``GTAError/optionInvalid`` naming the first rule broken.
        public func validate() throws {
            func fail(_ rule: String) -> GTAError { GTAError(.optionInvalid, rule) }
            func positive(_ duration: Duration, _ name: String) throws {
                guard duration > .zero else { throw fail("\(name) must be > 0, got \(duration.readable)") }
            }
            try positive(storageTimeout, "storage timeout")
            try positive(initializedTimeout, "initialized timeout")
            try positive(runningTimeout, "running timeout")
            try positive(scanInterval, "scan interval")
            try positive(instantScanInterval, "instant scan interval")
            if let waitTimeout { try positive(waitTimeout, "wait timeout") }
            if let poolSize, poolSize <= 0 { throw fail("pool size must be > 0, got \(poolSize)") }
            try positive(leaseInterval, "lease interval")
            if leaseExpiry < leaseInterval * 3 {
                throw fail("lease expiry (\(leaseExpiry.readable)) must be >= 3 lease intervals (\((leaseInterval * 3).readable))")
            }
            if rescueLimit < 0 { throw fail("rescue limit must be >= 0, got \(rescueLimit)") }
            if let queueMetricsInterval { try positive(queueMetricsInterval, "queue metrics interval") }
            if !Self.isMetricsPrefix(metricsPrefix) {
                throw fail("metrics prefix '\(metricsPrefix)' must be letters, digits, '_' and ':', not starting with a digit")
            }
            if initializedTimeout > storageTimeout {
                throw fail("initialized timeout (\(initializedTimeout.readable)) must be <= storage timeout (\(storageTimeout.readable))")
            }
            if runningTimeout > storageTimeout {
                throw fail("running timeout (\(runningTimeout.readable)) must be <= storage timeout (\(storageTimeout.readable))")
            }
            if scanInterval > storageTimeout || scanInterval > initializedTimeout || scanInterval > runningTimeout {
                throw fail("scan interval (\(scanInterval.readable)) must be <= storage, initialized and running timeouts")
            }
            if instantScanInterval > scanInterval {
                throw fail("instant scan interval (\(instantScanInterval.readable)) must be <= scan interval (\(scanInterval.readable))")
            }
        }

        /// Whether `prefix` may start a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, or empty.
        static func isMetricsPrefix(_ prefix: String) -> Bool {
            func allowed(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c == "_" || c == ":" || c.properties.isAlphabetic || ("0"..."9").contains(c)) }
            guard let first = prefix.unicodeScalars.first else { return true }
            return !("0"..."9").contains(first) && prefix.unicodeScalars.allSatisfy(allowed)
        }

        /// The logger for the manager's own context.
        var logger: Logger { loggerFactory(context) }

        /// The default check callback: logs the number of abnormal tasks, then each one's id, key,
        /// status and last update, at warning level.
        public static let defaultCheckCallback: CheckCallback = { logger, tasks in
            guard !tasks.isEmpty else { return }
            logger.warning("abnormal tasks found", metadata: ["count": "\(tasks.count)"])
            for task in tasks {
                logger.warning(
                    "abnormal task",
                    metadata: .task(task.id, task.taskKey, ["task.status": "\(task.taskStatus)", "task.updated_at": "\(task.updatedAt)"]))
            }
        }
    }
}
