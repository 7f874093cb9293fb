// TEMPORARY: replaced by the GoJSON layer when it lands.
import Foundation
public struct GoJSONEncoder: Sendable {
    public init() {}
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder(); e.outputFormatting = [.withoutEscapingSlashes]
        return Array(try e.encode(value))
    }
}
public struct GoJSONDecoder: Sendable {
    public init() {}
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
public enum JSONValue: Codable, Sendable, Hashable {
    case null
    case string(String)
    public init(from decoder: any Decoder) throws { self = .null }
    public func encode(to encoder: any Encoder) throws { var c = encoder.singleValueContainer(); try c.encodeNil() }
}
extension Duration {
    public var goNanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
