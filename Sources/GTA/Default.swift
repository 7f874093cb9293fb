import Synchronization

// The Go package's package-level API: a default manager behind free-standing functions.
//
// Inside a type that has a `run` method of its own (every swift-service-lifecycle `Service`,
// every swift-argument-parser command), a bare `run(...)` means that method: write
// `GTA.run("send_mail", mail)` there. The same holds for `register`, `transaction` and `stop`
// in types that have members of those names.

/// The default manager behind the free-standing functions.
private let defaultManagerBox = Mutex<TaskManager?>(nil)

/// Creates the default manager and starts it. Go: `StartWithOptions(db, table, options...)`.
/// Call it before the other free-standing functions.
///
/// - Throws: ``GTAError/invalidTableName``, ``GTAError/optionInvalid``, or
///   ``GTAError/unexpected`` when a default manager is already running (stop it first).
public func startWithOptions(_ db: any GTADatabase, table: String, _ options: Option...) throws {
    let manager = try TaskManager(db: db, table: table, options: options)
    try defaultManagerBox.withLock { current in
        if let current, current.isStarted, !current.lifecycle.isStopping {
            throw GTAError(.unexpected, "the default task manager is already started; stop it before starting another")
        }
        current = manager
    }
    manager.start()
}

/// The default manager. Go: `DefaultManager()`.
/// - Throws: ``GTAError/notStarted`` before ``startWithOptions(_:table:_:)``.
public func defaultManager() throws -> TaskManager {
    guard let manager = defaultManagerBox.withLock({ $0 }) else {
        throw GTAError(.notStarted, "call startWithOptions(_:table:_:) before using the default task manager")
    }
    return manager
}

/// Registers a definition with the default manager. Go: `Register`.
public func register(_ key: TaskKey, _ definition: TaskDefinition) throws {
    try defaultManager().register(key, definition)
}

/// Creates a task on the default manager. Go: `Run`. Inside a type with a `run` method of its
/// own, write `GTA.run(...)`.
public func run(_ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil) async throws {
    try await defaultManager().run(key, argument, context: context)
}

/// Creates a task on the default manager with `options` (a time to run at or a delay, a unique
/// key) and returns its id, or the id of the task holding its unique key. Swift only: see
/// ``TaskManager/run(_:_:context:options:)``.
@discardableResult
public func run(
    _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil, options: RunOptions
) async throws -> UInt64 {
    try await defaultManager().run(key, argument, context: context, options: options)
}

/// Creates a task in the default manager's transaction with `options`; returns its id (or the
/// holder's of its unique key). Swift only.
@discardableResult
public func runWithTx(
    _ tx: TaskTransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil,
    options: RunOptions
) async throws -> UInt64 {
    try await defaultManager().runWithTx(tx, key, argument, context: context, options: options)
}

/// Creates a task in a transaction of the application's on the default manager with
/// `options`; returns its id (or the holder's of its unique key). Swift only.
@discardableResult
public func runWithTx(
    _ tx: any GTATransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil,
    options: RunOptions
) async throws -> UInt64 {
    try await defaultManager().runWithTx(tx, key, argument, context: context, options: options)
}

/// Creates a task in the default manager's transaction (run right after the commit). Go: `RunWithTx`.
public func runWithTx(
    _ tx: TaskTransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
) async throws {
    try await defaultManager().runWithTx(tx, key, argument, context: context)
}

/// Creates a task in a transaction of the application's on the default manager (the scanner
/// runs it after the commit). Go: `RunWithTx`.
public func runWithTx(
    _ tx: any GTATransaction, _ key: TaskKey, _ argument: (any Encodable & Sendable)? = nil, context: ServiceContext? = nil
) async throws {
    try await defaultManager().runWithTx(tx, key, argument, context: context)
}

/// The default manager's transaction wrapper. Go: `Transaction`.
public func transaction<T: Sendable>(_ body: @Sendable (TaskTransaction) async throws -> T) async throws -> T {
    try await defaultManager().transaction(body)
}

/// Stops the default manager. Go: `Stop(wait)`. Does nothing before it was started.
public func stop(wait: Bool) async {
    guard let manager = defaultManagerBox.withLock({ $0 }) else { return }
    await manager.stop(wait: wait)
}

/// Runs `body`, then stops the default manager with `wait`, whether `body` returns or throws:
/// Go's `defer gta.Stop(true)` (Swift's `defer` cannot `await`).
///
/// ```swift
/// try startWithOptions(db, table: "tasks")
/// try await withStop(wait: true) {
///     try await serve()
/// }
/// ```
public func withStop<T: Sendable>(wait: Bool, _ body: () async throws -> T) async rethrows -> T {
    guard let manager = defaultManagerBox.withLock({ $0 }) else { return try await body() }
    return try await manager.withStop(wait: wait, body)
}
