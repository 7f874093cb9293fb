import Foundation
import ServiceContextModule
import Synchronization

/// The task manager: registry, scheduler, scanner and built-in tasks over one table
/// (Go: `gta.TaskManager`).
///
/// ```swift
/// let db = try MariaDBDatabase(url: "mysql://app:secret@127.0.0.1:3306/app")
/// let manager = try TaskManager(db: db, table: "tasks", .withPoolSize(16))
/// try manager.register("send_mail", TaskDefinition(argumentType: Mail.self) { _, mail in
///     try await mailer.send(mail)
/// })
/// manager.start()
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
    public let config: TaskConfig

    let registry = Registry()
    let store: TaskStore
    let scheduler: Scheduler

    private struct Lifecycle {
        var started = false
        var loops: Task<Void, Never>?
        var stopping: Task<Void, Never>?
    }
    private let lifecycle = Mutex(Lifecycle())

    /// Creates a manager. Go: `NewTaskManager(db, table, options...)`.
    ///
    /// - Parameters:
    ///   - db: the database; the table must exist (see ``TaskTable/create(named:on:ifNotExists:)``).
    ///   - table: the task table's name, validated as an identifier.
    ///   - options: `.withXxx` settings; each documents its default and rule.
    /// - Throws: ``GTAError/invalidTableName`` or ``GTAError/optionInvalid`` naming the rule broken.
    public convenience init(db: any GTADatabase, table: String, _ options: Option...) throws {
        try self.init(db: db, table: table, options: options)
    }

    /// Creates a manager from an array of options.
    public init(db: any GTADatabase, table: String, options: [Option]) throws {
        self.db = db
        self.table = try TableName(table)
        self.config = try TaskConfig.make(options)
        self.store = TaskStore(table: self.table, dialect: db.dialect)
        self.scheduler = Scheduler(db: db, store: store, config: config, registry: registry)
        try registry.add(CleanUpTask.key, CleanUpTask.definition(store: store, db: db, config: config))
        try registry.add(CheckAbnormalTask.key, CheckAbnormalTask.definition(store: store, db: db, config: config))
    }

    /// Binds a definition to a key. Go: `Register`. Registration may come before or after ``start()``.
    ///
    /// - Throws: ``GTAError/invalidTaskKey`` for an empty, too long (over 64), reserved
    ///   (`builtin:`) or already registered key; ``GTAError/definitionHandlerNil`` for a
    ///   definition without a handler.
    public func register(_ key: TaskKey, _ definition: TaskDefinition) throws {
        try registry.register(key, definition)
    }

    /// Starts the scanner and the built-in monitors. Go: `Start`. Calling it again does nothing;
    /// in dry run mode neither starts.
    public func start() {
        lifecycle.withLock { state in
            guard !state.started, state.stopping == nil else { return }
            state.started = true
            guard !config.dryRun else { return }
            let scanner = Scanner(scheduler: scheduler)
            let monitor = Monitor(scheduler: scheduler)
            state.loops = Task {
                async let scanning: Void = scanner.run()
                async let monitoring: Void = monitor.run()
                _ = await (scanning, monitoring)
            }
        }
    }

    /// Stops the manager. Go: `Stop(wait)`.
    ///
    /// Cancels scanning and monitoring, then, with `wait: true`, waits for running tasks (up to
    /// the wait timeout, if one is set). Tasks still running after that, or at once with
    /// `wait: false`, are moved back `running -> initialized` so that another instance runs
    /// them, and their handlers here are cancelled. Tasks created afterwards are written
    /// `initialized`. Calling it again waits for the first call and returns.
    public func stop(wait: Bool) async {
        let stopping: Task<Void, Never> = lifecycle.withLock { state in
            if let existing = state.stopping { return existing }
            let loops = state.loops
            let scheduler = self.scheduler
            scheduler.stopping.store(true, ordering: .relaxed)
            let task = Task {
                loops?.cancel()
                await loops?.value
                await scheduler.stop(wait: wait)
            }
            state.stopping = task
            return task
        }
        await stopping.value
    }

    /// Whether ``start()`` has been called.
    public var isStarted: Bool { lifecycle.withLock { $0.started } }
}
