/// The status of a task row (`task_status`).
///
/// Go: `type TaskStatus string` with five constants. A status read from the table that is none
/// of these keeps its text, so a row written by a newer library version is never misread.
public struct TaskStatus: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue.isEmpty ? "unknown" : rawValue }

    /// `""`: unknown. Go: `TaskStatusUnKnown`.
    public static let unknown = TaskStatus(rawValue: "")
    /// `"initialized"`: waiting to be claimed by a scanner. Go: `TaskStatusInitialized`.
    public static let initialized = TaskStatus(rawValue: "initialized")
    /// `"running"`: handed to a pool. Go: `TaskStatusRunning`.
    public static let running = TaskStatus(rawValue: "running")
    /// `"succeeded"`: the handler returned. Go: `TaskStatusSucceeded`.
    public static let succeeded = TaskStatus(rawValue: "succeeded")
    /// `"failed"`: the handler threw on its last try. Go: `TaskStatusFailed`.
    public static let failed = TaskStatus(rawValue: "failed")
}
