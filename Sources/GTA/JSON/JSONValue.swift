/// Any JSON value: the argument a handler gets when its task definition has no argument type
/// (where Go hands over a `map[string]interface{}`).
///
/// Numbers keep their precision: integers become ``int(_:)`` (or ``uint(_:)`` above `Int64.max`)
/// and only other numbers become ``double(_:)``. Go's untyped decoding turns every number into a
/// `float64`, so `1152921504606846976` (2^60) comes out exact here where Go rounds it; integral
/// values such as `1.0` or `1e3` become ``int(_:)``, and Go writes them back the same way (`1`,
/// `1000`). Because of that, `.int(1)` and `.double(1)` are different values.
///
/// Encoded with ``GoJSONEncoder``, objects are written with sorted keys, as Go writes maps, so
/// a value read from a Go row is written back byte for byte.
///
/// ```swift
/// let arg = try GoJSONDecoder().decode(JSONValue.self, from: #"{"user_id":42,"tags":["a"]}"#)
/// arg["user_id"]?.intValue   // 42
/// arg["tags"]?[0]?.stringValue  // "a"
/// ```
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in `Int64`.
    case int(Int64)
    /// An integer above `Int64.max` that fits in `UInt64`.
    case uint(UInt64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; key order is not kept (Go's maps do not keep it either).
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .uint(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "Not a JSON value (null, bool, number, string, array or object)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .uint(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as Go would marshal it (compact JSON, sorted object keys).
    public var description: String {
        (try? GoJSONEncoder().encodeToString(self)) ?? "<non-finite number>"
    }
}
