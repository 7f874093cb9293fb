/// A definition's argument codec: encodes what `run` is given into the row's JSON, and decodes
/// the row's JSON into the handler's own type, returning the handler call bound to it.
///
/// The argument is encoded once (at the API boundary) and decoded once (before the first
/// try); nothing in between sees it as a value.
struct ArgumentCodec: Sendable {
    /// A handler call with its argument decoded and bound.
    typealias Call = @Sendable (TaskInfo, ServiceContext) async throws -> Void

    /// The argument type, or `nil` for ``JSONValue``.
    let argumentType: Any.Type?
    /// The JSON to store for an argument, or `nil` for SQL `NULL`.
    let encode: @Sendable ((any Encodable & Sendable)?) throws -> [UInt8]?
    /// Decodes stored JSON and binds it to the handler.
    let decode: @Sendable ([UInt8]?) throws -> Call

    /// For an untyped handler: any `Encodable` in, a ``JSONValue`` out.
    static func untyped(_ handler: @escaping TaskInfoHandler) -> ArgumentCodec {
        ArgumentCodec(
            argumentType: nil,
            encode: { argument in
                guard let argument else { return nil }
                return try encodeJSON(argument)
            },
            decode: { bytes in
                let value = try bytes.map { try GoJSONDecoder().decode(JSONValue.self, from: $0) }
                return { info, context in try await handler(info, context, value) }
            })
    }

    /// For a typed handler: exactly `Argument` in, `Argument` out.
    static func typed<Argument: Codable & Sendable>(
        _: Argument.Type, _ handler: @escaping @Sendable (TaskInfo, ServiceContext, Argument) async throws -> Void
    ) -> ArgumentCodec {
        // Whether `Argument` is an `Optional`, and its `nil` (a Sendable value, unlike the metatype).
        let none: Argument? = (Argument.self as? any _OptionalArgument.Type)?.noneValue as? Argument
        let isOptional = Argument.self is any _OptionalArgument.Type
        return ArgumentCodec(
            argumentType: Argument.self,
            encode: { argument in
                guard let argument else {
                    if isOptional { return nil }
                    throw GTAError(.definitionArgumentInvalid, "nil argument given where \(Argument.self) is registered")
                }
                guard let typed = argument as? Argument else {
                    throw GTAError(
                        .definitionArgumentInvalid, "argument of type \(type(of: argument)) given where \(Argument.self) is registered")
                }
                return try encodeJSON(typed)
            },
            decode: { bytes in
                let argument: Argument
                if bytes == nil, let none {
                    argument = none
                } else {
                    do {
                        argument = try GoJSONDecoder().decode(Argument.self, from: bytes ?? Array("null".utf8))
                    } catch {
                        if bytes == nil {
                            throw GTAError(.definitionArgumentInvalid, "argument is NULL but \(Argument.self) is not optional")
                        }
                        throw GTAError(
                            .definitionArgumentInvalid, "argument does not decode as \(Argument.self): \(error)", underlying: error)
                    }
                }
                return { info, context in try await handler(info, context, argument) }
            })
    }

    private static func encodeJSON(_ value: any Encodable) throws -> [UInt8] {
        do {
            return try GoJSONEncoder().encode(value)
        } catch {
            throw GTAError(.definitionArgumentInvalid, "argument of type \(type(of: value)) does not encode: \(error)", underlying: error)
        }
    }
}

/// Lets a typed definition tell whether its argument type is an `Optional`.
protocol _OptionalArgument {
    static var noneValue: Self { get }
}

extension Optional: _OptionalArgument {
    static var noneValue: Self { .none }
}
