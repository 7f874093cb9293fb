/// The task manager: registry, creator, runner, scanner and built-in tasks over one table
/// (Go: `gta.TaskManager`).
///
/// ```swift
/// let db = try MariaDBDatabase(url: "mysql://app:secret@127.0.0.1:3306/app")
/// let manager = try TaskManager(db: db, table: "tasks", .withPoolSize(16))
/// try manager.register("send_mail", TaskDefinition(argumentType: Mail.self) { _, mail in
///     try await mailer.send(mail)
/// })
/// manager.start()                       // or: a ServiceGroup runs `manager` as a Service
/// try await manager.transaction { tx in
///     try await tx.execute("INSERT INTO orders (id, total) VALUES (?, ?)", [.uint(42), .double(9.5)])
///     try await manager.runWithTx(tx, "send_mail", Mail(to: "a@example.com"))
/// }
/// await manager.stop(wait: true)
/// ```
public final class TaskManager: Sendable {
    /// The database the manager and the application share.
    public let db: any GTADatabase
    /// The validated task table name.
    public let table: TableName
    /// The settings in force.
    public let configuration: Configuration

    let registry = Registry()
    let store: TaskStore
    let assembler: Assembler
    let pool: WorkerPool
    let runner: TaskRunner
    let statusWriter: StatusWriter
    let creator: TaskCreator
    let lifecycle: ManagerLifecycle
    let logger: Logger
    /// The manager's metrics, made once (``Configuration/metricsFactory``).
    let metrics: TaskMetrics
    /// The identity written into the leases this manager holds.
    let owner = LeaseOwner.make()
    /// Wakes the scanner when a delayed task or a persisted retry written here falls due.
    let waker = ScanWaker()

    /// Creates a manager. Go: `NewTaskManager(db, table, options...)`.
    ///
    /// - Parameters:
    ///   - db: the database; the table must exist (see ``TaskTable/create(named:on:ifNotExists:)``).
    ///   - table: the task table's name, validated as an identifier.
    ///   - options: `.withXxx` settings; each documents its default and rule.
    /// - Throws: ``GTAError/invalidTableName`` or ``GTAError/optionInvalid`` naming the rule broken.
    public convenience init(db: any GTADatabase, table: String, _ options: Option...) throws {
        try self.init(db: db, table: table, configuration: Configuration(options))
    }

    /// Creates a manager from an array of options.
    public convenience init(db: any GTADatabase, table: String, options: [Option]) throws {
        try self.init(db: db, table: table, configuration: Configuration(options))
    }

    /// Creates a manager from a configuration: the Swift way, the same manager the options make.
    ///
    /// - Throws: ``GTAError/invalidTableName``, or ``GTAError/optionInvalid`` naming the rule of
    ///   ``Configuration/validate()`` broken.
    public init(db: any GTADatabase, table: String, configuration: Configuration) throws {
        try configuration.validate()
        self.db = db
        self.table = try TableName(table)
        self.configuration = configuration
        let logger = configuration.logger
        let stopping = StoppingFlag()
        self.logger = logger
        self.store = TaskStore(table: self.table, dialect: db.dialect)
        self.assembler = Assembler(defaultMarshaler: configuration.ctxMarshaler)
        let metrics = TaskMetrics(
            factory: TaskMetrics.factory(for: configuration), prefix: configuration.metricsPrefix, boundedPool: configuration.poolSize != nil)
        self.metrics = metrics
        self.pool = WorkerPool(capacity: configuration.poolSize, metrics: metrics)
        let givenUp = GivenUpTasks()
        let statusWriter = StatusWriter(
            db: db, store: store, logger: logger, stopping: stopping, owner: owner, metrics: metrics, isGivenUp: { givenUp.contains($0) })
        self.statusWriter = statusWriter
        self.runner = TaskRunner(
            registry: registry, pool: pool, assembler: assembler, givenUp: givenUp, statusWriter: statusWriter,
            dryRun: configuration.dryRun, features: store.features, waker: waker, metrics: metrics, tracer: configuration.tracer, logger: logger)
        self.creator = TaskCreator(
            db: db, store: store, pool: pool, runner: runner, stopping: stopping, owner: owner, dryRun: configuration.dryRun,
            waker: waker, metrics: metrics, logger: logger)
        self.lifecycle = ManagerLifecycle(
            stopping: stopping, pool: pool, runner: runner, store: store, owner: owner, db: db,
            waitTimeout: configuration.waitTimeout, dryRun: configuration.dryRun, logger: logger)
        try registry.add(CleanUpTask.key, CleanUpTask.definition(store: store, db: db, configuration: configuration))
        try registry.add(CheckAbnormalTask.key, CheckAbnormalTask.definition(store: store, db: db, configuration: configuration))
    }

    /// Binds a definition to a key. Go: `Register`. Registration may come before or after ``start()``.
    ///
    /// A definition with a schedule (``TaskDefinition/schedule(_:argument:)``) becomes a
    /// periodic task; its schedules table is checked when the manager runs (``run()``).
    ///
    /// - Throws: ``GTAError/invalidTaskKey`` for an empty, too long (over 64), reserved
    ///   (`builtin:`) or already registered key; ``GTAError/definitionHandlerNil`` for a
    ///   definition without a handler; ``GTAError/optionInvalid`` for an invalid schedule and
    ///   ``GTAError/definitionArgumentInvalid`` for a schedule argument that does not encode.
    public func register(_ key: TaskKey, _ definition: TaskDefinition) throws {
        try registry.register(key, definition)
    }

    /// The scanner, handed what it needs.
    func makeScanner() -> Scanner {
        Scanner(
            registry: registry, store: store, pool: pool, runner: runner, db: db, owner: owner, configuration: configuration, logger: logger,
            waker: waker)
    }

    /// The lease keeper, handed what it needs.
    func makeLeaseKeeper() -> LeaseKeeper {
        LeaseKeeper(
            store: store, pool: pool, runner: runner, db: db, owner: owner, interval: configuration.leaseInterval,
            expiry: configuration.leaseExpiry, logger: logger)
    }

    /// The rescuer, handed what it needs.
    func makeRescuer() -> Rescuer {
        Rescuer(
            registry: registry, store: store, db: db, interval: configuration.leaseInterval, expiry: configuration.leaseExpiry,
            limit: configuration.rescueLimit, metrics: metrics, logger: logger)
    }

    /// The queue gauges' loop, handed what it needs; `nil` when there is nothing to refresh
    /// (metrics off, or no queue metrics interval).
    func makeQueueGauges() -> QueueGauges? {
        guard metrics.isEnabled, let interval = configuration.queueMetricsInterval else { return nil }
        return QueueGauges(registry: registry, store: store, db: db, metrics: metrics, interval: interval, logger: logger)
    }

    /// The periodic tasks' scheduler, handed what it needs.
    func makePeriodicScheduler() -> PeriodicScheduler {
        PeriodicScheduler(
            registry: registry, store: ScheduleStore(tasks: table, dialect: db.dialect), creator: creator, assembler: assembler, db: db,
            context: configuration.context, logger: logger)
    }

    /// The built-in tasks' monitor, handed what it needs.
    func makeMonitor() -> Monitor {
        Monitor(registry: registry, store: store, db: db, assembler: assembler, configuration: configuration, logger: logger)
    }
}
