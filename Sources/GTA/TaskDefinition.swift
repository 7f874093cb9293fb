/// The handler of a definition without an argument type: it gets the restored context and the
/// argument as a generic JSON value (`nil` when the task was created with a `nil` argument).
/// Go: `TaskHandler func(ctx context.Context, arg interface{}) error`.
public typealias TaskHandler = @Sendable (ServiceContext, JSONValue?) async throws -> Void

/// An untyped handler that also gets its task's ``TaskInfo`` (id, key, attempt, ...). Swift only.
public typealias TaskInfoHandler = @Sendable (TaskInfo, ServiceContext, JSONValue?) async throws -> Void

/// How a kind of task runs. Go: `gta.TaskDefinition`.
///
/// ```swift
/// // Typed: the argument decodes into a Codable type (Go: ArgType).
/// try manager.register("send_mail", TaskDefinition(argumentType: Mail.self) { context, mail in
///     try await mailer.send(mail)
/// })
/// // Untyped: the handler gets a JSONValue (Go: TaskDefinition{Handler: ...}, map[string]interface{}).
/// try manager.register("audit", TaskDefinition(retryTimes: 3) { context, argument in ... })
/// // Swift only: the handler also gets its task's id, key and attempt, and may have a run timeout.
/// try manager.register("charge", TaskDefinition(argumentType: Charge.self, runTimeout: .seconds(30)) { info, context, charge in
///     try await payments.charge(charge, idempotencyKey: "task-\(info.id)")
/// })
/// ```
///
/// A handler may run more than once for one task (at-least-once): make it idempotent.
/// A thrown error is a failed try. A trap (a crash) cannot be caught in Swift: it ends the
/// process and leaves the row `running`, where the abnormal check reports it.
///
/// The definition owns its argument's codec: an argument is encoded once, when the task is
/// created, and decoded once, into the handler's own type, before the first try.
public struct TaskDefinition: Sendable {
    /// Go: `Handler`. Required; registering a definition without one (``init()``, Go's zero
    /// value) fails with ``GTAError/definitionHandlerNil``.
    public var hasHandler: Bool { codec != nil }
    /// Go: `ArgType`. The argument's Swift type, or `nil` for a generic ``JSONValue``.
    public var argumentType: Any.Type? { codec?.argumentType }
    /// Go: `CtxMarshaler`. Replaces the manager's marshaler for this kind. The default is `nil`
    /// (use the manager's).
    public var ctxMarshaler: (any CtxMarshaler)?
    /// Go: `RetryTimes`. How many more times a failed handler is tried, in-process. Must be >= 0.
    /// The default is 0.
    public var retryTimes: Int
    /// Go: `RetryInterval`. The wait before try number `n` (1 for the first retry). The default
    /// (`nil`) waits 1 second.
    public var retryInterval: (@Sendable (Int) -> Duration)?
    /// Go: `CleanSucceeded`. Delete the row when the task succeeds. The default is `false`.
    public var cleanSucceeded: Bool
    /// Go: `InitTimeoutSensitive`. Claim an `initialized` row only while it is younger than the
    /// initialized timeout; older rows are left for the abnormal check. The default is `false`.
    public var initTimeoutSensitive: Bool
    /// Swift only. How long one try of the handler may run; `nil` (the default) for no limit.
    /// Must be > 0 when given.
    ///
    /// When a try runs longer, its task is cancelled (Swift's cooperative cancellation:
    /// `Task.isCancelled` turns true, `Task.sleep` and other cancellable waits throw), and the try
    /// counts as failed with ``GTAError/taskTimedOut``: retries apply, and after the last one the
    /// row is `failed` with the timeout in `extra`'s `last_error`. A handler that ignores
    /// cancellation keeps running until it returns (nothing can stop a Swift task from outside);
    /// its outcome is then the timeout failure whatever it returns, and the next retry (or the
    /// final status) waits for it.
    public var runTimeout: Duration?
    /// Swift only. When tasks of this kind are created by themselves (a periodic task), or
    /// `nil` (the default) for tasks created only by `run`. Set it with
    /// ``schedule(_:argument:)``, which also sets ``scheduleArgument``.
    public var schedule: Schedule?
    /// Swift only. The argument each periodic task is created with, encoded by the definition's
    /// codec as `run` would encode it. The default is `nil`.
    public var scheduleArgument: (any Encodable & Sendable)?
    /// Swift only. Which tasks of this definition count as the same, so that only one of them is
    /// `initialized` or `running` at a time (enforced by the table's unique index: two instances
    /// racing get one row). `nil` (the default): tasks are not unique, unless a call gives
    /// ``RunOptions/uniqueKey``. Needs ``TaskTableFeature/uniqueTasks``.
    public var unique: TaskUniqueness? = nil
    /// Swift only. Retry through the table instead of sleeping in memory: a failed try with
    /// retries left writes the row back to `initialized`, due `retryInterval(n)` later, with the
    /// try counted in `extra`'s `attempts`; any instance with the key runs the retry once due, so
    /// the interval holds across a restart, and no pool slot is held while waiting. Each run then
    /// makes one try, and ``TaskInfo/attempt`` counts the tries of the row (0 for the first).
    /// The default is `false`. Needs ``TaskTableFeature/delayedTasks`` (creating a task of such
    /// a definition on a table without it throws ``GTAError/featureNeedsMigration``).
    public var persistRetries: Bool = false

    /// Encodes arguments and decodes them for the handler; `nil` without a handler.
    let codec: ArgumentCodec?
    /// Built-in tasks only (Go: primaryKey, loopInterval, argument).
    var builtin: BuiltinSchedule?

    /// A definition whose handler gets the argument as a generic ``JSONValue``.
    /// Go: `TaskDefinition{Handler: ...}` without `ArgType`.
    ///
    /// `run` accepts any `Encodable` value (or `nil`) for it.
    public init(
        ctxMarshaler: (any CtxMarshaler)? = nil,
        retryTimes: Int = 0,
        retryInterval: (@Sendable (Int) -> Duration)? = nil,
        cleanSucceeded: Bool = false,
        initTimeoutSensitive: Bool = false,
        handler: @escaping TaskHandler
    ) {
        self.init(
            codec: .untyped { _, context, argument in try await handler(context, argument) }, ctxMarshaler: ctxMarshaler,
            retryTimes: retryTimes, retryInterval: retryInterval, cleanSucceeded: cleanSucceeded,
            initTimeoutSensitive: initTimeoutSensitive)
    }

    /// A definition whose handler gets the argument decoded into `Argument`. Go: `ArgType`.
    ///
    /// `run` must be given an `Argument` (anything else fails with
    /// ``GTAError/definitionArgumentInvalid``). To allow a `nil` argument, make `Argument`
    /// optional (`Mail?.self`); a row whose argument is `NULL` then decodes as `nil`.
    public init<Argument: Codable & Sendable>(
        argumentType: Argument.Type,
        ctxMarshaler: (any CtxMarshaler)? = nil,
        retryTimes: Int = 0,
        retryInterval: (@Sendable (Int) -> Duration)? = nil,
        cleanSucceeded: Bool = false,
        initTimeoutSensitive: Bool = false,
        handler: @escaping @Sendable (ServiceContext, Argument) async throws -> Void
    ) {
        self.init(
            codec: .typed(argumentType) { _, context, argument in try await handler(context, argument) }, ctxMarshaler: ctxMarshaler,
            retryTimes: retryTimes, retryInterval: retryInterval, cleanSucceeded: cleanSucceeded,
            initTimeoutSensitive: initTimeoutSensitive)
    }

    /// A definition whose handler gets its task's ``TaskInfo`` and the argument as a generic
    /// ``JSONValue``. Swift only; otherwise as the untyped initializer without it.
    public init(
        ctxMarshaler: (any CtxMarshaler)? = nil,
        retryTimes: Int = 0,
        retryInterval: (@Sendable (Int) -> Duration)? = nil,
        cleanSucceeded: Bool = false,
        initTimeoutSensitive: Bool = false,
        runTimeout: Duration? = nil,
        handler: @escaping TaskInfoHandler
    ) {
        self.init(
            codec: .untyped(handler), ctxMarshaler: ctxMarshaler, retryTimes: retryTimes, retryInterval: retryInterval,
            cleanSucceeded: cleanSucceeded, initTimeoutSensitive: initTimeoutSensitive)
        self.runTimeout = runTimeout
    }

    /// A definition whose handler gets its task's ``TaskInfo`` and the argument decoded into
    /// `Argument`. Swift only; otherwise as the typed initializer without it.
    public init<Argument: Codable & Sendable>(
        argumentType: Argument.Type,
        ctxMarshaler: (any CtxMarshaler)? = nil,
        retryTimes: Int = 0,
        retryInterval: (@Sendable (Int) -> Duration)? = nil,
        cleanSucceeded: Bool = false,
        initTimeoutSensitive: Bool = false,
        runTimeout: Duration? = nil,
        handler: @escaping @Sendable (TaskInfo, ServiceContext, Argument) async throws -> Void
    ) {
        self.init(
            codec: .typed(argumentType, handler), ctxMarshaler: ctxMarshaler, retryTimes: retryTimes,
            retryInterval: retryInterval, cleanSucceeded: cleanSucceeded, initTimeoutSensitive: initTimeoutSensitive)
        self.runTimeout = runTimeout
    }

    /// A definition without a handler (Go's zero value `TaskDefinition{}`); registering it
    /// fails with ``GTAError/definitionHandlerNil``.
    public init() {
        self.init(codec: nil, ctxMarshaler: nil, retryTimes: 0, retryInterval: nil, cleanSucceeded: false, initTimeoutSensitive: false)
    }

    private init(
        codec: ArgumentCodec?, ctxMarshaler: (any CtxMarshaler)?, retryTimes: Int, retryInterval: (@Sendable (Int) -> Duration)?,
        cleanSucceeded: Bool, initTimeoutSensitive: Bool
    ) {
        self.codec = codec
        self.ctxMarshaler = ctxMarshaler
        self.retryTimes = retryTimes
        self.retryInterval = retryInterval
        self.cleanSucceeded = cleanSucceeded
        self.initTimeoutSensitive = initTimeoutSensitive
        self.runTimeout = nil
        self.schedule = nil
        self.scheduleArgument = nil
    }

    /// The wait before retry number `attempt`.
    func retryDelay(_ attempt: Int) -> Duration {
        retryInterval?(attempt) ?? .seconds(1)
    }
}

/// What makes a definition a built-in task: its fixed row, how often its monitor looks at it,
/// and the argument the row is re-armed with.
struct BuiltinSchedule: Sendable {
    let rowID: UInt64
    let loopInterval: Duration
    let argument: any Encodable & Sendable
}
