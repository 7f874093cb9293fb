import Foundation
import ServiceContextModule

/// The handler of a definition without an argument type: it gets the restored context and the
/// argument as a generic JSON value (`nil` when the task was created with a `nil` argument).
/// Go: `TaskHandler func(ctx context.Context, arg interface{}) error`.
public typealias TaskHandler = @Sendable (ServiceContext, JSONValue?) async throws -> Void

/// How a kind of task runs. Go: `gta.TaskDefinition`.
///
/// ```swift
/// // Typed: the argument decodes into a Codable type (Go: ArgType).
/// try manager.register("send_mail", TaskDefinition(argumentType: Mail.self) { context, mail in
///     try await mailer.send(mail)
/// })
/// // Untyped: the handler gets a JSONValue (Go: map[string]interface{}).
/// try manager.register("audit", TaskDefinition(handler: { context, argument in ... }, retryTimes: 3))
/// ```
///
/// A handler may run more than once for one task (at-least-once): make it idempotent.
/// A thrown error is a failed try. A trap (a crash) cannot be caught in Swift: it ends the
/// process and leaves the row `running`, where the abnormal check reports it.
public struct TaskDefinition: Sendable {
    /// Go: `Handler`. Required; registering a definition without one fails with
    /// ``GTAError/definitionHandlerNil``.
    public var hasHandler: Bool { invoke != nil }
    /// Go: `ArgType`. The argument's Swift type, or `nil` for a generic ``JSONValue``.
    public let argumentType: Any.Type?
    /// Go: `CtxMarshaler`. Replaces the manager's marshaler for this kind. The default is `nil`
    /// (use the manager's).
    public var ctxMarshaler: (any CtxMarshaler)?
    /// Go: `RetryTimes`. How many more times a failed handler is tried, in-process. The default is 0.
    public var retryTimes: Int
    /// Go: `RetryInterval`. The wait before try number `n` (1 for the first retry). The default
    /// (`nil`) waits 1 second.
    public var retryInterval: (@Sendable (Int) -> Duration)?
    /// Go: `CleanSucceeded`. Delete the row when the task succeeds. The default is `false`.
    public var cleanSucceeded: Bool
    /// Go: `InitTimeoutSensitive`. Claim an `initialized` row only while it is younger than the
    /// initialized timeout; older rows are left for the abnormal check. The default is `false`.
    public var initTimeoutSensitive: Bool

    // Type-erased argument handling, built by the initialisers.
    let invoke: (@Sendable (ServiceContext, (any Sendable)?) async throws -> Void)?
    let encodeArgument: @Sendable ((any Sendable)?) throws -> [UInt8]?
    let decodeArgument: @Sendable ([UInt8]?) throws -> (any Sendable)?

    // Built-in tasks only (Go: primaryKey, loopInterval, argument).
    var builtinRowID: UInt64?
    var loopInterval: Duration?

    /// A definition whose handler gets the argument as a generic ``JSONValue``.
    ///
    /// `run` accepts any `Encodable` value (or `nil`) for it.
    public init(
        handler: TaskHandler?,
        ctxMarshaler: (any CtxMarshaler)? = nil,
        retryTimes: Int = 0,
        retryInterval: (@Sendable (Int) -> Duration)? = nil,
        cleanSucceeded: Bool = false,
        initTimeoutSensitive: Bool = false
    ) {
        self.argumentType = nil
        self.ctxMarshaler = ctxMarshaler
        self.retryTimes = retryTimes
        self.retryInterval = retryInterval
        self.cleanSucceeded = cleanSucceeded
        self.initTimeoutSensitive = initTimeoutSensitive
        if let handler {
            self.invoke = { context, argument in try await handler(context, argument as? JSONValue) }
        } else {
            self.invoke = nil
        }
        self.encodeArgument = { argument in
            guard let argument else { return nil }
            guard let encodable = argument as? any Encodable else {
                throw GTAError(.definitionArgumentInvalid, "argument of type \(type(of: argument)) is not Encodable")
            }
            return try Self.encode(encodable)
        }
        self.decodeArgument = { bytes in
            guard let bytes else { return nil }
            return try GoJSONDecoder().decode(JSONValue.self, from: bytes)
        }
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
        self.argumentType = Argument.self
        self.ctxMarshaler = ctxMarshaler
        self.retryTimes = retryTimes
        self.retryInterval = retryInterval
        self.cleanSucceeded = cleanSucceeded
        self.initTimeoutSensitive = initTimeoutSensitive
        self.invoke = { context, argument in
            if argument == nil, let optional = Argument.self as? any _OptionalArgument.Type,
                let none = optional.noneValue as? Argument
            {
                try await handler(context, none)
                return
            }
            guard let argument, let typed = argument as? Argument else {
                throw GTAError(.definitionArgumentInvalid, "decoded argument is not \(Argument.self)")
            }
            try await handler(context, typed)
        }
        self.encodeArgument = { argument in
            guard let argument else {
                if Argument.self is any _OptionalArgument.Type { return nil }
                throw GTAError(.definitionArgumentInvalid, "nil argument given where \(Argument.self) is registered")
            }
            if let typed = argument as? Argument { return try Self.encode(typed) }
            let given = "\(type(of: argument))"
            throw GTAError(.definitionArgumentInvalid, "argument of type \(given) given where \(Argument.self) is registered")
        }
        self.decodeArgument = { bytes in
            if bytes == nil, Argument.self is any _OptionalArgument.Type { return nil }
            do {
                return try GoJSONDecoder().decode(Argument.self, from: bytes ?? Array("null".utf8))
            } catch {
                if bytes == nil {
                    throw GTAError(.definitionArgumentInvalid, "argument is NULL but \(Argument.self) is not optional")
                }
                throw GTAError(.definitionArgumentInvalid, "argument does not decode as \(Argument.self): \(error)", underlying: error)
            }
        }
    }

    /// A definition without a handler (Go's zero value); registering it fails.
    public init() {
        self.init(handler: nil)
    }

    private static func encode(_ value: any Encodable) throws -> [UInt8] {
        do {
            return try GoJSONEncoder().encode(value)
        } catch {
            throw GTAError(.definitionArgumentInvalid, "argument of type \(type(of: value)) does not encode: \(error)", underlying: error)
        }
    }

    /// The wait before retry number `attempt`.
    func retryDelay(_ attempt: Int) -> Duration {
        retryInterval?(attempt) ?? .seconds(1)
    }
}

/// Lets a typed definition tell whether its argument type is an `Optional`.
protocol _OptionalArgument {
    static var noneValue: Self { get }
}

extension Optional: _OptionalArgument {
    static var noneValue: Self { .none }
}
