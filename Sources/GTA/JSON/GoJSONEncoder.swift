#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encodes `Encodable` values to the exact bytes Go's `encoding/json.Marshal` writes for the
/// equivalent Go type, so Swift and Go services can share one task table.
///
/// What it does the way Go does, and Foundation's `JSONEncoder` does not:
/// - **Struct keys in declaration order.** The encoder keeps the order in which `encode(to:)`
///   writes keys; the synthesized conformance writes them in declaration order, as Go does.
///   (Foundation's `JSONEncoder` on Linux writes them in hash order, different on every run.)
/// - **Map keys sorted.** A Swift `Dictionary` is written with its keys sorted byte-wise, as Go
///   writes a `map`. Struct keys are not sorted.
/// - **`nil` written as `null`.** A Go pointer, slice, map or interface field without `omitempty`
///   is written as `null` when nil; the Swift equivalent is an optional property, and the
///   synthesized `encode(to:)` calls `encodeIfPresent`, which this encoder turns into `null`
///   under the default ``NilEncoding/null``. For a Go field tagged `omitempty`, either use
///   ``NilEncoding/omit`` for the whole value or write `encode(to:)` by hand and skip the key.
/// - **Numbers.** Integers as decimal digits; `Double` and `Float` in Go's layout (`12.5`, `0`,
///   `1e+21`, `1e-7`, `100000000000000000000`); NaN and infinities throw, as in Go.
/// - **Strings.** `/` unescaped; `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026` (unless
///   ``escapesHTML`` is off); U+2028 and U+2029 as `\u2028`, `\u2029`; `\n`, `\r`, `\t` short;
///   other control characters as `\u00xx` (Go 1.22 and later write `\b` and `\f` short instead;
///   both read the same).
/// - **Foundation types.** `Date` as a UTC RFC 3339 string like Go's `time.Time` (see ``GoTime``
///   for nanoseconds and offsets), `Data` as base64 like Go's `[]byte`, `URL` as its absolute
///   string, `Decimal` as a number.
///
/// ```swift
/// struct Ping: Codable { var seq: Int; var msg: String }
/// let bytes = try GoJSONEncoder().encode(Ping(seq: 1, msg: "hi"))  // {"seq":1,"msg":"hi"}
/// ```
public struct GoJSONEncoder: Sendable {
    /// How optional values that are `nil` are written by `encodeIfPresent` (which the synthesized
    /// `Encodable` conformance uses for optional properties).
    public enum NilEncoding: Sendable, Hashable {
        /// Write the key with `null`, as Go does for a nil pointer, slice, map or interface field
        /// without `omitempty`. The default.
        case null
        /// Leave the key out, as Foundation's `JSONEncoder` does (and Go does for `omitempty`).
        case omit
    }

    /// How `encodeIfPresent` writes `nil`. Defaults to ``NilEncoding/null``, Go's behaviour.
    public var nilEncoding: NilEncoding
    /// Whether `<`, `>` and `&` in strings are escaped as `\u003c`, `\u003e`, `\u0026`, as Go's
    /// `json.Marshal` does. Defaults to `true`; `false` matches `json.Encoder.SetEscapeHTML(false)`.
    public var escapesHTML: Bool
    /// Contextual information handed to the values being encoded.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates an encoder with Go's defaults.
    public init(
        nilEncoding: NilEncoding = .null,
        escapesHTML: Bool = true,
        userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) {
        self.nilEncoding = nilEncoding
        self.escapesHTML = escapesHTML
        self.userInfo = userInfo
    }

    /// Encodes `value` to the bytes Go's `json.Marshal` would write.
    ///
    /// - Throws: `EncodingError.invalidValue` for a NaN or infinite number, or a ``GoTime`` whose
    ///   year is outside 0...9999 (both refused by Go), and any error `value` itself throws.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = GoJSONSlot()
        let encoder = GoJSONEncoderImpl(slot: root, codingPath: [], options: options, isMap: false)
        try encoder.encodeValue(value, into: root, codingPath: [])
        var writer = GoJSONWriter(escapesHTML: escapesHTML)
        writer.write(root)
        return writer.bytes
    }

    /// Encodes `value` as ``encode(_:)`` does and returns the bytes as `Data`.
    public func encodeToData<T: Encodable>(_ value: T) throws -> Data {
        Data(try encode(value))
    }

    /// Encodes `value` as ``encode(_:)`` does and returns the JSON text.
    public func encodeToString<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    private var options: GoJSONEncoderImpl.Options {
        .init(nilEncoding: nilEncoding, userInfo: userInfo)
    }
}
