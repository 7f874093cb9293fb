/// A validated table name.
///
/// The task table's name is chosen by the caller. It reaches SQL only through this type: it
/// must be 1 to 64 characters of ASCII letters, digits, `_` and `$`, optionally qualified by a
/// schema name of the same form (`app.tasks`), and it is always quoted by the dialect.
/// Anything else (`tasks; DROP TABLE x`, quotes, spaces, an empty name) is rejected before any
/// SQL is sent.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    /// The schema (database) part, when the name was qualified.
    public let schema: String?
    /// The table part.
    public let name: String

    /// The longest identifier MySQL and MariaDB accept.
    public static let maximumLength = 64

    /// Validates a table name.
    /// - Throws: ``GTAError`` with code ``GTAError/Code/invalidTableName`` saying what is wrong.
    public init(_ raw: String) throws {
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else {
            throw GTAError(.invalidTableName, "table name '\(raw)' has more than one '.'")
        }
        for part in parts {
            try Self.validate(part, in: raw)
        }
        if parts.count == 2 {
            schema = parts[0]
            name = parts[1]
        } else {
            schema = nil
            name = parts[0]
        }
    }

    private static func validate(_ part: String, in raw: String) throws {
        guard !part.isEmpty else {
            throw GTAError(.invalidTableName, raw.isEmpty ? "table name is empty" : "table name '\(raw)' has an empty part")
        }
        guard part.utf8.count <= maximumLength else {
            throw GTAError(.invalidTableName, "table name '\(raw.prefix(80))' is longer than \(maximumLength) characters")
        }
        for scalar in part.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "$"
            guard ok else {
                throw GTAError(
                    .invalidTableName,
                    "table name '\(raw.prefix(80))' contains '\(scalar.escaped(asASCII: true))'; use letters, digits, '_' or '$'"
                )
            }
        }
        guard !part.allSatisfy({ $0.isNumber }) else {
            throw GTAError(.invalidTableName, "table name '\(raw)' is only digits")
        }
    }

    /// The name quoted for `dialect`, such as `` `app`.`tasks` ``.
    public func quoted(for dialect: any GTADialect) -> String {
        if let schema { return dialect.quote(schema) + "." + dialect.quote(name) }
        return dialect.quote(name)
    }

    public var description: String {
        if let schema { return schema + "." + name }
        return name
    }
}
