#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns a caller's context and argument into a new row, and a row back into the handler call
/// (Go: `assembler.go`). The definition's own codec does the argument; the definition's context
/// marshaler, or else the manager's, does the context.
struct Assembler: Sendable {
    let defaultMarshaler: any CtxMarshaler
    /// The most an argument or context may take: by default what a `mediumtext` column holds.
    var maximumColumnBytes = Assembler.mediumtextBytes

    /// The most a `mediumtext` column holds: 16 MiB - 1 bytes.
    static let mediumtextBytes = 16_777_215

    /// A new `initialized` row for `key`, its context and argument encoded.
    /// - Throws: ``GTAError/taskNotFound`` for a definition without a codec (never registered),
    ///   ``GTAError/definitionArgumentInvalid`` or ``GTAError/contextInvalid``.
    func assemble(
        key: TaskKey, definition: TaskDefinition, context: ServiceContext, argument: (any Encodable & Sendable)?
    ) throws -> TaskRecord {
        guard let codec = definition.codec else { throw GTAError(.definitionHandlerNil, "task key '\(key)' has no handler") }
        let marshaler = definition.ctxMarshaler ?? defaultMarshaler
        let contextBytes: [UInt8]?
        do {
            contextBytes = try marshaler.marshalCtx(context)
        } catch {
            throw GTAError(.contextInvalid, "task key '\(key)': the context marshaler failed: \(error)", underlying: error)
        }
        let argumentBytes: [UInt8]?
        do {
            argumentBytes = try codec.encode(argument)
        } catch let error as GTAError {
            throw GTAError(error.code, "task key '\(key)': \(error.message)", underlying: error.underlying)
        }
        // The columns are mediumtext: a larger value would fail at the server (or be cut), after
        // the caller's transaction has done its other work. Refuse it here, before any SQL.
        for (name, bytes) in [("argument", argumentBytes), ("context", contextBytes)] {
            if let bytes, bytes.count > maximumColumnBytes {
                throw GTAError(
                    .definitionArgumentInvalid,
                    "task key '\(key)': the \(name) is \(bytes.count) bytes, more than its column holds (\(maximumColumnBytes) bytes)")
            }
        }
        let now = Date()
        return TaskRecord(
            taskKey: key, taskStatus: .initialized, context: contextBytes, argument: argumentBytes, createdAt: now, updatedAt: now)
    }

    /// The context a handler gets for `task`, and the handler call with its argument decoded.
    func disassemble(_ task: TaskRecord, definition: TaskDefinition) throws -> (ServiceContext, ArgumentCodec.Call) {
        guard let codec = definition.codec else { throw GTAError(.definitionHandlerNil, "task key '\(task.taskKey)' has no handler") }
        let marshaler = definition.ctxMarshaler ?? defaultMarshaler
        let context: ServiceContext
        do {
            context = try marshaler.unmarshalCtx(task.context)
        } catch {
            throw GTAError(
                .contextInvalid, "task \(task.id) (\(task.taskKey)): stored context does not restore: \(error)", underlying: error)
        }
        do {
            return (context, try codec.decode(task.argument))
        } catch let error as GTAError {
            throw GTAError(error.code, "task \(task.id) (\(task.taskKey)): \(error.message)", underlying: error.underlying)
        }
    }
}
