/// The `extra` column: a JSON object kept for future use.
///
/// The Go original always writes `{}`; so does this port. Reading accepts any JSON object
/// (fields this version does not know are ignored, as Go ignores them).
public struct TaskExtra: Sendable, Hashable, Codable {
    public init() {}

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: AnyKey.self)
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: AnyKey.self)
    }

    /// The stored form: `{}`.
    static let json: [UInt8] = Array("{}".utf8)

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
