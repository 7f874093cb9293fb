import Foundation
import ServiceContextModule

/// Turns a caller's context and argument into a row's bytes and back (Go: `assembler.go`).
struct Assembler: Sendable {
    let defaultMarshaler: any CtxMarshaler

    /// A new row for `key`, with its context and argument serialised.
    func assemble(
        key: TaskKey, definition: TaskDefinition, context: ServiceContext, argument: (any Sendable)?, status: TaskStatus
    ) throws -> TaskRecord {
        let marshaler = definition.ctxMarshaler ?? defaultMarshaler
        let contextBytes: [UInt8]?
        do {
            contextBytes = try marshaler.marshalCtx(context)
        } catch {
            throw GTAError(.contextInvalid, "task key '\(key)': the context marshaler failed: \(error)", underlying: error)
        }
        let argumentBytes = try definition.encodeArgument(argument)
        let now = Date()
        return TaskRecord(
            taskKey: key, taskStatus: status, context: contextBytes, argument: argumentBytes, createdAt: now, updatedAt: now)
    }

    /// The context and argument a handler gets for `task`.
    func disassemble(_ task: TaskRecord, definition: TaskDefinition) throws -> (ServiceContext, (any Sendable)?) {
        let marshaler = definition.ctxMarshaler ?? defaultMarshaler
        let context: ServiceContext
        do {
            context = try marshaler.unmarshalCtx(task.context)
        } catch {
            throw GTAError(
                .contextInvalid, "task \(task.id) (\(task.taskKey)): stored context does not restore: \(error)", underlying: error)
        }
        do {
            return (context, try definition.decodeArgument(task.argument))
        } catch let error as GTAError {
            throw GTAError(error.code, "task \(task.id) (\(task.taskKey)): \(error.message)", underlying: error.underlying)
        }
    }
}
