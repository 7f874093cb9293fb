import Foundation

/// A value bound to a statement parameter or read from a result column.
///
/// Every value the library sends to the database travels as a `SQLValue` bound to a `?`
/// placeholder; no value is ever pasted into SQL text.
///
/// `date` values are `DATETIME` values: a backend converts them to and from wall-clock time in
/// its configured time zone (UTC unless the backend's configuration says otherwise), with
/// second precision on a `DATETIME` column.
public enum SQLValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A signed 64-bit integer.
    case int(Int64)
    /// An unsigned 64-bit integer (`BIGINT UNSIGNED`).
    case uint(UInt64)
    /// A double-precision floating-point number.
    case double(Double)
    /// A boolean, stored by MySQL and MariaDB as `TINYINT(1)`.
    case bool(Bool)
    /// Text, UTF-8 (`utf8mb4` on MySQL and MariaDB).
    case string(String)
    /// Raw bytes (`BLOB`, `VARBINARY`).
    case bytes([UInt8])
    /// A point in time (`DATETIME`).
    case date(Date)

    /// Whether this is SQL `NULL`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let v): return "'\(v)'"
        case .bytes(let v): return "<\(v.count) bytes>"
        case .date(let v): return v.formatted(.iso8601)
        }
    }
}

/// A Swift type that converts to and from a ``SQLValue``.
///
/// The library conforms `Int`, `Int64`, `Int32`, `UInt64`, `UInt32`, `Double`, `Bool`, `String`,
/// `[UInt8]`, `Data`, `Date` and `Optional` of those.
public protocol SQLValueConvertible: Sendable {
    /// The value to bind.
    var sqlValue: SQLValue { get }
    /// Converts a column value, or returns `nil` when the value cannot represent this type
    /// (a `NULL` for a non-optional type, text for a number, a number out of range).
    init?(sqlValue: SQLValue)
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .int(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .int(let v): self = v
        case .uint(let v): guard let x = Int64(exactly: v) else { return nil }; self = x
        case .bool(let v): self = v ? 1 : 0
        case .double(let v): guard let x = Int64(exactly: v) else { return nil }; self = x
        case .string(let s): guard let x = Int64(s) else { return nil }; self = x
        default: return nil
        }
    }
}

extension UInt64: SQLValueConvertible {
    public var sqlValue: SQLValue { .uint(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .uint(let v): self = v
        case .int(let v): guard let x = UInt64(exactly: v) else { return nil }; self = x
        case .bool(let v): self = v ? 1 : 0
        case .double(let v): guard let x = UInt64(exactly: v) else { return nil }; self = x
        case .string(let s): guard let x = UInt64(s) else { return nil }; self = x
        default: return nil
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .int(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let v = Int64(sqlValue: sqlValue), let x = Int(exactly: v) else { return nil }
        self = x
    }
}

extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .int(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let v = Int64(sqlValue: sqlValue), let x = Int32(exactly: v) else { return nil }
        self = x
    }
}

extension UInt32: SQLValueConvertible {
    public var sqlValue: SQLValue { .uint(UInt64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let v = UInt64(sqlValue: sqlValue), let x = UInt32(exactly: v) else { return nil }
        self = x
    }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .double(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .double(let v): self = v
        case .int(let v): self = Double(v)
        case .uint(let v): self = Double(v)
        case .string(let s): guard let x = Double(s) else { return nil }; self = x
        default: return nil
        }
    }
}

extension Bool: SQLValueConvertible {
    public var sqlValue: SQLValue { .bool(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .bool(let v): self = v
        case .int(let v): self = v != 0
        case .uint(let v): self = v != 0
        default: return nil
        }
    }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .string(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .string(let v): self = v
        case .bytes(let v): self = String(decoding: v, as: UTF8.self)
        case .int(let v): self = String(v)
        case .uint(let v): self = String(v)
        case .double(let v): self = String(v)
        default: return nil
        }
    }
}

extension Array: SQLValueConvertible where Element == UInt8 {
    public var sqlValue: SQLValue { .bytes(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .bytes(let v): self = v
        case .string(let v): self = Array(v.utf8)
        default: return nil
        }
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .bytes([UInt8](self)) }
    public init?(sqlValue: SQLValue) {
        guard let bytes = [UInt8](sqlValue: sqlValue) else { return nil }
        self = Data(bytes)
    }
}

extension Date: SQLValueConvertible {
    public var sqlValue: SQLValue { .date(self) }
    /// Converts a `date`, or text of the form `YYYY-MM-DD HH:MM:SS` read as UTC (what SQLite
    /// returns for an expression over a `DATETIME` column, which has no declared type).
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .date(let v): self = v
        case .string(let text): guard let v = Self.parseSQLDateTime(text) else { return nil }; self = v
        default: return nil
        }
    }

    private static func parseSQLDateTime(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" || $0 == "-" || $0 == ":" })
        guard parts.count == 6 else { return nil }
        let numbers = parts.map { Int($0.prefix { $0 != "." }) }
        guard numbers.allSatisfy({ $0 != nil }) else { return nil }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (numbers[0], numbers[1], numbers[2])
        (components.hour, components.minute, components.second) = (numbers[3], numbers[4], numbers[5])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public init?(sqlValue: SQLValue) {
        if case .null = sqlValue {
            self = .none
            return
        }
        guard let wrapped = Wrapped(sqlValue: sqlValue) else { return nil }
        self = .some(wrapped)
    }
}
