#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes a ``GTARow`` into a `Decodable` type whose coding keys are column names.
///
/// Properties of the types in ``GTAValueConvertible`` (and their optionals) map to columns;
/// a `NULL` column decodes as `nil` for an optional property. Nested containers are not
/// columns and are rejected with a ``GTADecodingError``.
public struct GTARowDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from row: GTARow) throws -> T {
        if let convertible = type as? any GTAValueConvertible.Type, row.values.count == 1 {
            guard let value = convertible.init(sqlValue: row.values[0]) as? T else {
                throw GTADecodingError(column: row.columns.names[0], reason: "cannot convert \(row.values[0].kindName) to \(T.self)")
            }
            return value
        }
        return try T(from: RowDecoder(row: row))
    }
}

private struct RowDecoder: Decoder {
    let row: GTARow
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw GTADecodingError(column: "*", reason: "a row decodes into a keyed type, not an array")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw GTADecodingError(column: "*", reason: "a row of several columns decodes into a keyed type")
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: GTARow
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { row.columns.index(of: key.stringValue) != nil }

    private func value(_ key: Key) throws -> GTAValue {
        guard let v = row[key.stringValue] else {
            throw GTADecodingError(column: key.stringValue, reason: "no such column in the result")
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }

    private func convert<T: GTAValueConvertible>(_ type: T.Type, _ key: Key) throws -> T {
        try row.decode(type, key.stringValue)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try convert(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try convert(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try convert(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try convert(Double.self, key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try convert(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try narrow(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try narrow(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try convert(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try convert(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try narrowUnsigned(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try narrowUnsigned(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try narrowUnsigned(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try convert(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try convert(type, key) }

    private func narrow<T: FixedWidthInteger>(_ key: Key) throws -> T {
        let wide = try convert(Int64.self, key)
        guard let v = T(exactly: wide) else {
            throw GTADecodingError(column: key.stringValue, reason: "\(wide) does not fit \(T.self)")
        }
        return v
    }

    private func narrowUnsigned<T: FixedWidthInteger>(_ key: Key) throws -> T {
        let wide = try convert(UInt64.self, key)
        guard let v = T(exactly: wide) else {
            throw GTADecodingError(column: key.stringValue, reason: "\(wide) does not fit \(T.self)")
        }
        return v
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if let convertible = type as? any GTAValueConvertible.Type {
            let raw = try value(key)
            guard let v = convertible.init(sqlValue: raw) as? T else {
                throw GTADecodingError(column: key.stringValue, reason: "cannot convert \(raw.kindName) to \(T.self)")
            }
            return v
        }
        return try T(from: ColumnDecoder(value: try value(key), column: key.stringValue))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw GTADecodingError(column: key.stringValue, reason: "a column is a single value, not a nested object")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw GTADecodingError(column: key.stringValue, reason: "a column is a single value, not an array")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row) }
}

/// Decodes one column into a type that decodes from a single value (an enum with a raw value,
/// a wrapper struct).
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    let value: GTAValue
    let column: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw GTADecodingError(column: column, reason: "a column is a single value, not a nested object")
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw GTADecodingError(column: column, reason: "a column is a single value, not an array")
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value.isNull }

    private func convert<T: GTAValueConvertible>(_ type: T.Type) throws -> T {
        guard let v = T(sqlValue: value) else {
            throw GTADecodingError(column: column, reason: "cannot convert \(value.kindName) to \(T.self)")
        }
        return v
    }

    func decode(_ type: Bool.Type) throws -> Bool { try convert(type) }
    func decode(_ type: String.Type) throws -> String { try convert(type) }
    func decode(_ type: Double.Type) throws -> Double { try convert(type) }
    func decode(_ type: Float.Type) throws -> Float { Float(try convert(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { try convert(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try exact(try convert(Int64.self)) }
    func decode(_ type: Int16.Type) throws -> Int16 { try exact(try convert(Int64.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 { try convert(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try convert(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try exact(try convert(UInt64.self)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try exact(try convert(UInt64.self)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try exact(try convert(UInt64.self)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try convert(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try convert(type) }

    private func exact<T: FixedWidthInteger, S: BinaryInteger>(_ wide: S) throws -> T {
        guard let v = T(exactly: wide) else {
            throw GTADecodingError(column: column, reason: "\(wide) does not fit \(T.self)")
        }
        return v
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let convertible = type as? any GTAValueConvertible.Type {
            guard let v = convertible.init(sqlValue: value) as? T else {
                throw GTADecodingError(column: column, reason: "cannot convert \(value.kindName) to \(T.self)")
            }
            return v
        }
        return try T(from: self)
    }
}
