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

/// The default marshaler: stores nothing (SQL `NULL`) and restores an empty context.
public struct DefaultCtxMarshaler: CtxMarshaler {
    public init() {}
    public func marshalCtx(_ context: ServiceContext) throws -> [UInt8]? { nil }
    public func unmarshalCtx(_ bytes: [UInt8]?) throws -> ServiceContext { .topLevel }
}
