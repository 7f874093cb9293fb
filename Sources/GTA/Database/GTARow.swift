/// The column names of a result set, shared by all of its rows.
public final class GTAColumns: Sendable {
    /// Column names in select order, as the server reports them (aliases included).
    public let names: [String]
    private let indexByName: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil {
            index[name] = i
            let lower = name.lowercased()
            if index[lower] == nil { index[lower] = i }
        }
        self.indexByName = index
    }

    /// The position of a column, matched exactly first and then case-insensitively.
    public func index(of name: String) -> Int? {
        indexByName[name] ?? indexByName[name.lowercased()]
    }
}

/// One row of a query result.
///
/// Read a column by name with ``decode(_:_:)`` (typed, throwing a ``GTADecodingError`` that
/// names the column) or ``subscript(_:)`` (raw), or a whole row into a `Decodable` type with
/// ``decode(_:)``.
public struct GTARow: Sendable {
    public let columns: GTAColumns
    public let values: [GTAValue]

    public init(columns: GTAColumns, values: [GTAValue]) {
        precondition(columns.names.count == values.count, "a row has one value per column")
        self.columns = columns
        self.values = values
    }

    /// The raw value of a column, or `nil` when the result has no such column.
    public subscript(_ column: String) -> GTAValue? {
        columns.index(of: column).map { values[$0] }
    }

    /// The value of a column converted to `T`.
    ///
    /// - Throws: ``GTADecodingError`` when the column is missing or its value does not convert.
    public func decode<T: GTAValueConvertible>(_ type: T.Type, _ column: String) throws -> T {
        guard let index = columns.index(of: column) else {
            throw GTADecodingError(column: column, reason: "no such column in the result (columns: \(columns.names.joined(separator: ", ")))")
        }
        let value = values[index]
        guard let converted = T(sqlValue: value) else {
            throw GTADecodingError(column: column, reason: "cannot convert \(value.kindName) to \(T.self)")
        }
        return converted
    }

    /// The row decoded into a `Decodable` type whose coding keys are column names.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try GTARowDecoder().decode(type, from: self)
    }
}

/// A column could not be read as the requested type.
public struct GTADecodingError: Error, CustomStringConvertible, Sendable {
    /// The column name.
    public let column: String
    /// What went wrong.
    public let reason: String

    public init(column: String, reason: String) {
        self.column = column
        self.reason = reason
    }

    public var description: String { "cannot decode column '\(column)': \(reason)" }
}

extension GTAValue {
    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "NULL"
        case .int: return "integer"
        case .uint: return "unsigned integer"
        case .double: return "double"
        case .bool: return "boolean"
        case .string: return "text"
        case .bytes: return "bytes"
        case .date: return "datetime"
        }
    }
}
