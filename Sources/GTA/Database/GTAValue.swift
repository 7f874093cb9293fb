#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value bound to a statement parameter or read from a result column.
///
/// Every value the library sends to the database travels as a `GTAValue` bound to a `?`
/// placeholder; no value is ever pasted into SQL text.
///
/// `date` values are `DATETIME` values: a backend converts them to and from wall-clock time in
/// its configured time zone (UTC unless the backend's configuration says otherwise), with
/// second precision on a `DATETIME` column.
public enum GTAValue: Sendable, Hashable {
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

extension GTAValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension GTAValue: CustomStringConvertible {
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

/// A Swift type that converts to and from a ``GTAValue``.
///
/// The library conforms `Int`, `Int64`, `Int32`, `UInt64`, `UInt32`, `Double`, `Bool`, `String`,
/// `[UInt8]`, `Data`, `Date` and `Optional` of those.
public protocol GTAValueConvertible: Sendable {
    /// The value to bind.
    var sqlValue: GTAValue { get }
    /// Converts a column value, or returns `nil` when the value cannot represent this type
    /// (a `NULL` for a non-optional type, text for a number, a number out of range).
    init?(sqlValue: GTAValue)
}

extension GTAValue: GTAValueConvertible {
    public var sqlValue: GTAValue { self }
    public init?(sqlValue: GTAValue) { self = sqlValue }
}

extension Int64: GTAValueConvertible {
    public var sqlValue: GTAValue { .int(self) }
    public init?(sqlValue: GTAValue) {
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

extension UInt64: GTAValueConvertible {
    public var sqlValue: GTAValue { .uint(self) }
    public init?(sqlValue: GTAValue) {
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

extension Int: GTAValueConvertible {
    public var sqlValue: GTAValue { .int(Int64(self)) }
    public init?(sqlValue: GTAValue) {
        guard let v = Int64(sqlValue: sqlValue), let x = Int(exactly: v) else { return nil }
        self = x
    }
}

extension Int32: GTAValueConvertible {
    public var sqlValue: GTAValue { .int(Int64(self)) }
    public init?(sqlValue: GTAValue) {
        guard let v = Int64(sqlValue: sqlValue), let x = Int32(exactly: v) else { return nil }
        self = x
    }
}

extension UInt32: GTAValueConvertible {
    public var sqlValue: GTAValue { .uint(UInt64(self)) }
    public init?(sqlValue: GTAValue) {
        guard let v = UInt64(sqlValue: sqlValue), let x = UInt32(exactly: v) else { return nil }
        self = x
    }
}

extension Double: GTAValueConvertible {
    public var sqlValue: GTAValue { .double(self) }
    public init?(sqlValue: GTAValue) {
        switch sqlValue {
        case .double(let v): self = v
        case .int(let v): self = Double(v)
        case .uint(let v): self = Double(v)
        case .string(let s): guard let x = Double(s) else { return nil }; self = x
        default: return nil
        }
    }
}

extension Bool: GTAValueConvertible {
    public var sqlValue: GTAValue { .bool(self) }
    public init?(sqlValue: GTAValue) {
        switch sqlValue {
        case .bool(let v): self = v
        case .int(let v): self = v != 0
        case .uint(let v): self = v != 0
        default: return nil
        }
    }
}

extension String: GTAValueConvertible {
    public var sqlValue: GTAValue { .string(self) }
    public init?(sqlValue: GTAValue) {
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

extension Array: GTAValueConvertible where Element == UInt8 {
    public var sqlValue: GTAValue { .bytes(self) }
    public init?(sqlValue: GTAValue) {
        switch sqlValue {
        case .bytes(let v): self = v
        case .string(let v): self = Array(v.utf8)
        default: return nil
        }
    }
}

extension Data: GTAValueConvertible {
    public var sqlValue: GTAValue { .bytes([UInt8](self)) }
    public init?(sqlValue: GTAValue) {
        guard let bytes = [UInt8](sqlValue: sqlValue) else { return nil }
        self = Data(bytes)
    }
}

extension Date: GTAValueConvertible {
    public var sqlValue: GTAValue { .date(self) }
    /// Converts a `date`, or text of the form `YYYY-MM-DD HH:MM:SS[.fraction]` read as UTC
    /// (what SQLite returns for an expression over a `DATETIME` column, which has no declared
    /// type). Text that names no calendar day, such as February 30, converts to `nil`.
    public init?(sqlValue: GTAValue) {
        switch sqlValue {
        case .date(let v): self = v
        case .string(let text):
            guard let parsed = SQLDateTimeText(text), parsed.hasSeconds, parsed.utcOffset == nil,
                parsed.time.hasValidDate
            else { return nil }
            self = parsed.date(in: .utc)
        default: return nil
        }
    }
}

extension Optional: GTAValueConvertible where Wrapped: GTAValueConvertible {
    public var sqlValue: GTAValue { self?.sqlValue ?? .null }
    public init?(sqlValue: GTAValue) {
        if case .null = sqlValue {
            self = .none
            return
        }
        guard let wrapped = Wrapped(sqlValue: sqlValue) else { return nil }
        self = .some(wrapped)
    }
}
