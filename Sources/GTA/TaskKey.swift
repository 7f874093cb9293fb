/// The name under which a task definition is registered; every row carries one (`task_key`).
///
/// Go: `type TaskKey string`. Write keys as string literals: `let key: TaskKey = "send_mail"`.
/// A key is at most 64 characters (the column is `varchar(64)`).
public struct TaskKey: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// The longest key the table holds.
    public static let maximumLength = 64

    /// Keys of the built-in tasks start with this prefix; user keys may not.
    public static let builtinPrefix = "builtin:"

    /// Whether this key names a built-in task.
    public var isBuiltin: Bool { rawValue.hasPrefix(Self.builtinPrefix) }
}
