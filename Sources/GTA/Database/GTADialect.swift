import Foundation

/// The SQL that differs between databases, as a value a backend supplies.
///
/// The task library builds every statement from a dialect; it never asks which database it
/// talks to.
public struct GTADialect: Sendable, Hashable {
    /// The family of SQL grammar, used where whole statements differ (table creation).
    public enum Family: String, Sendable, Hashable {
        /// MySQL 8.0+ and MariaDB 10.6+.
        case mysql
        /// SQLite 3.
        case sqlite
    }

    /// A short name for messages, such as `"MariaDB"`.
    public var name: String
    /// The grammar family.
    public var family: Family
    /// The character that opens and closes a quoted identifier: a backtick on MySQL.
    public var identifierQuote: Character
    /// The clause that locks selected rows, such as `"FOR UPDATE"`; empty where a writing
    /// transaction already holds the whole database (SQLite).
    public var lockForUpdate: String
    /// The clause that locks selected rows and skips rows locked by others, such as
    /// `"FOR UPDATE SKIP LOCKED"`, or `nil` when the server has none. Without it the task
    /// library claims with the original's optimistic update alone.
    public var lockForUpdateSkipLocked: String?
    /// The statement head that inserts and ignores a duplicate key: `"INSERT IGNORE"` on MySQL,
    /// `"INSERT OR IGNORE"` on SQLite.
    public var insertIgnore: String
    /// The SQL expression for the current time.
    public var now: String

    public init(
        name: String,
        family: Family,
        identifierQuote: Character,
        lockForUpdate: String,
        lockForUpdateSkipLocked: String?,
        insertIgnore: String,
        now: String
    ) {
        self.name = name
        self.family = family
        self.identifierQuote = identifierQuote
        self.lockForUpdate = lockForUpdate
        self.lockForUpdateSkipLocked = lockForUpdateSkipLocked
        self.insertIgnore = insertIgnore
        self.now = now
    }

    /// Quotes an identifier, doubling any quote character inside it.
    ///
    /// The task library quotes only names that ``TableName`` has already validated; the
    /// doubling is a second line of defence.
    public func quote(_ identifier: String) -> String {
        let q = String(identifierQuote)
        return q + identifier.replacingOccurrences(of: q, with: q + q) + q
    }

    /// MySQL 8.0+ and MariaDB 10.6+: backticks, `FOR UPDATE SKIP LOCKED`, `INSERT IGNORE`.
    public static let mysql = GTADialect(
        name: "MySQL",
        family: .mysql,
        identifierQuote: "`",
        lockForUpdate: "FOR UPDATE",
        lockForUpdateSkipLocked: "FOR UPDATE SKIP LOCKED",
        insertIgnore: "INSERT IGNORE",
        now: "NOW()"
    )

    /// SQLite 3: no row locks (a writing transaction locks the database), `INSERT OR IGNORE`.
    public static let sqlite = GTADialect(
        name: "SQLite",
        family: .sqlite,
        identifierQuote: "\"",
        lockForUpdate: "",
        lockForUpdateSkipLocked: nil,
        insertIgnore: "INSERT OR IGNORE",
        now: "CURRENT_TIMESTAMP"
    )
}
