#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes JSON written by Go's `encoding/json` into `Decodable` values.
///
/// It is Foundation's `JSONDecoder`, configured for what Go writes. On Linux that decoder already
/// reads everything Go's encoder produces: integers up to `UInt64.max` exactly (`9007199254740993`
/// stays exact in an `Int64`, unlike a round trip through `Double`), exponents such as `1e+21`,
/// `\u003c`-style and `\u2028` escapes and surrogate pairs, and `null` for optional arrays and maps.
/// In addition:
/// - `Date` is read from Go's `time.Time` text (RFC 3339 with up to nine fraction digits and an
///   offset), rounded to microseconds; use ``GoTime`` to keep nanoseconds and the offset.
/// - `Data` is read from base64, as Go writes `[]byte`.
///
/// Differences from Go: keys match exactly (Go also accepts differently cased keys), and `null`
/// for a non-optional array or dictionary is an error (Go leaves a nil slice or map); declare such
/// properties optional. Foundation's parser is also more lenient than Go's in two ways that never
/// matter for what Go writes: it accepts a trailing comma in arrays and objects, and with a
/// duplicated key it keeps the first value where Go keeps the last.
public struct GoJSONDecoder: Sendable {
    /// Contextual information handed to the values being decoded.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates a decoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Decodes a value of `type` from JSON bytes.
    ///
    /// - Throws: `DecodingError` when the bytes are not JSON or do not fit `type`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: Data(bytes))
    }

    /// Decodes a value of `type` from JSON text.
    public func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decode(type, from: Data(text.utf8))
    }

    /// Decodes a value of `type` from JSON data.
    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.userInfo = userInfo
        decoder.dataDecodingStrategy = .base64
        decoder.dateDecodingStrategy = .custom { decoder in
            try GoTime(from: decoder).date
        }
        return try decoder.decode(type, from: data)
    }
}
