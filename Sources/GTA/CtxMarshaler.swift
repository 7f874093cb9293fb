#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Instrumentation
import ServiceContextModule

/// Turns a caller's context into bytes for the `context` column and back. Go: `gta.CtxMarshaler`
/// over `context.Context`; here over `ServiceContext`, the Swift server ecosystem's carrier of
/// request-scoped values and trace ids.
///
/// A handler runs with the context ``unmarshalCtx(_:)`` restores, both as its first argument
/// and as `ServiceContext.current`.
public protocol CtxMarshaler: Sendable {
    /// The bytes to store, or `nil` to store SQL `NULL`.
    func marshalCtx(_ context: ServiceContext) throws -> [UInt8]?
    /// Restores a context from stored bytes (`nil` for SQL `NULL`).
    func unmarshalCtx(_ bytes: [UInt8]?) throws -> ServiceContext
}

/// The default marshaler: the trace context, through the instrument bootstrapped with
/// swift-distributed-tracing's `InstrumentationSystem` (``TracingCtxMarshaler`` with the global
/// instrument).
///
/// With no instrument bootstrapped (swift-distributed-tracing's default), or a context without
/// a trace, it stores nothing (SQL `NULL`) and restores an empty context, as the Go original's
/// default does.
public struct DefaultCtxMarshaler: CtxMarshaler {
    public init() {}
    public func marshalCtx(_ context: ServiceContext) throws -> [UInt8]? { try TracingCtxMarshaler().marshalCtx(context) }
    public func unmarshalCtx(_ bytes: [UInt8]?) throws -> ServiceContext { try TracingCtxMarshaler().unmarshalCtx(bytes) }
}

/// Carries the trace context from the code that creates a task to the handler that runs it:
/// the instrument injects the context's trace headers (for example W3C `traceparent`) into a
/// JSON object of strings, stored in the `context` column, and extracts them when the task runs,
/// so that the handler's span (see ``TaskManager/Configuration/tracer``) is a child of the span
/// that created the task.
///
/// ```swift
/// InstrumentationSystem.bootstrap(tracer)           // once, at start-up
/// let manager = try TaskManager(db: db, table: "tasks")  // the default marshaler is this one
/// try await withSpan("checkout") { _ in
///     try await manager.run("send_receipt", receipt)     // the handler's span is a child of "checkout"
/// }
/// ```
///
/// A context without trace headers is stored as SQL `NULL`. Restoring never fails: `NULL`, `{}`,
/// and bytes it does not understand (rows the Go original or another marshaler wrote) restore
/// an empty context; a JSON object's string members are offered to the instrument, which takes
/// the headers it knows.
public struct TracingCtxMarshaler: CtxMarshaler {
    private let instrument: (any Instrument)?

    /// A marshaler through `instrument`; `nil` (the default) takes `InstrumentationSystem.instrument`
    /// each time, the one bootstrapped for the process.
    public init(instrument: (any Instrument)? = nil) {
        self.instrument = instrument
    }

    public func marshalCtx(_ context: ServiceContext) throws -> [UInt8]? {
        var headers: [String: String] = [:]
        (instrument ?? InstrumentationSystem.instrument).inject(context, into: &headers, using: HeadersInjector())
        guard !headers.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(headers))
    }

    public func unmarshalCtx(_ bytes: [UInt8]?) throws -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let bytes, !bytes.isEmpty,
            let members = try? JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
        else { return context }
        let headers = members.compactMapValues(\.stringValue)
        guard !headers.isEmpty else { return context }
        (instrument ?? InstrumentationSystem.instrument).extract(headers, into: &context, using: HeadersExtractor())
        return context
    }
}

/// Writes trace headers into a `[String: String]`.
struct HeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Reads trace headers from a `[String: String]`.
struct HeadersExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
