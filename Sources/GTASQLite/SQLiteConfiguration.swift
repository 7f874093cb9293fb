#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// How ``SQLiteDatabase`` opens and uses a SQLite database.
///
/// ```swift
/// let db = try await SQLiteDatabase(configuration: SQLiteConfiguration(path: "/var/lib/app/app.db"))
/// let memory = try await SQLiteDatabase(configuration: try SQLiteConfiguration(url: "sqlite::memory:"))
/// ```
///
/// A file database gets one writer connection (transactions and autocommitted writes) and
/// ``readerCount`` reader connections (autocommitted reads), in WAL mode by default, so that reads
/// go on while a transaction writes. An in-memory database (``inMemory``) is one connection,
/// private to its ``SQLiteDatabase``: every statement runs on it, and the data is gone at
/// ``SQLiteDatabase/close()``.
public struct SQLiteConfiguration: Sendable, Hashable {
    /// The journal mode set when the database opens (`PRAGMA journal_mode`).
    public enum JournalMode: String, Sendable, Hashable, CaseIterable {
        /// Write-ahead log: readers never block the writer nor the writer readers. The default
        /// for files. The mode is stored in the file, so other processes use it too.
        case wal = "WAL"
        /// The classic rollback journal, deleted at each commit.
        case delete = "DELETE"
        /// The rollback journal, truncated at each commit.
        case truncate = "TRUNCATE"
        /// The rollback journal, kept and zeroed at each commit.
        case persist = "PERSIST"
    }

    /// How often SQLite waits for the disk (`PRAGMA synchronous`).
    public enum Synchronous: String, Sendable, Hashable, CaseIterable {
        /// No syncs: a power loss or OS crash may corrupt the database.
        case off = "OFF"
        /// In WAL mode (the default), a commit is atomic and consistent after a power loss or OS
        /// crash but the last commits before it may roll back; an application crash loses nothing.
        /// In rollback-journal modes, a small risk of corruption on power loss.
        case normal = "NORMAL"
        /// A sync at every commit: durable also after a power loss.
        case full = "FULL"
        /// Like ``full``, and the directory too in rollback-journal modes.
        case extra = "EXTRA"
    }

    /// The path of the database file, or `nil` for a private in-memory database.
    ///
    /// A relative path is relative to the process's working directory. The file is created when
    /// it does not exist; its directory must exist. A path that begins with `file:` is read as an
    /// SQLite URI filename (such as `file:app.db?mode=rwc`); for an in-memory URI, set
    /// ``readerCount`` to 0, since readers would open other databases.
    public var path: String?

    /// The longest a call waits, in total, for a lock that another connection or process holds
    /// (SQLite's busy timeout) and for this database's own writer or reader connection while
    /// other tasks use it. Default: 5 seconds.
    ///
    /// It bounds the caller's whole wait: an autocommitted ``SQLiteDatabase/execute(_:_:)`` or
    /// ``SQLiteDatabase/query(_:_:)``, a transaction's start (`BEGIN IMMEDIATE`) and its
    /// `COMMIT` each wait at most this long, however many tasks queue before them. When the time
    /// is up the call fails with a ``SQLiteError`` whose ``SQLiteError/isBusy`` and
    /// ``SQLiteError/isLockWaitTimeout`` are `true`.
    public var busyTimeout: Duration = .seconds(5)

    /// How many times an autocommitted statement, `BEGIN IMMEDIATE` or `COMMIT` is tried again
    /// after SQLite reports busy or locked before ``busyTimeout`` has passed (SQLite does so
    /// without waiting in a few cases, such as WAL recovery or a locked shared cache), with a
    /// short backoff of 1 ms doubling up to 32 ms. Default: 50.
    ///
    /// A statement inside a transaction is never retried: SQLite advises rolling the whole
    /// transaction back instead, and the error is thrown.
    public var maximumBusyRetries: Int = 50

    /// How many reader connections serve autocommitted queries of a file database. Default: 4.
    ///
    /// With `0`, every statement runs on the writer connection. An in-memory database has no
    /// readers whatever this says.
    public var readerCount: Int = 4

    /// The journal mode of a file database. Default: ``JournalMode/wal``.
    ///
    /// An in-memory database keeps its journal in memory and ignores this.
    public var journalMode: JournalMode = .wal

    /// The sync level of every connection. Default: ``Synchronous/normal``, which in WAL mode
    /// keeps the database consistent after a power loss but may lose the last commits; choose
    /// ``Synchronous/full`` when every commit must survive a power loss.
    public var synchronous: Synchronous = .normal

    /// Whether SQLite enforces foreign keys (`PRAGMA foreign_keys`). Default: `true`.
    public var foreignKeys: Bool = true

    /// The time zone of `DATETIME` text: a bound `Date` is written as `YYYY-MM-DD HH:MM:SS` wall
    /// time in this zone, and such text in a `DATETIME`, `TIMESTAMP` or `DATE` column is read back
    /// in it. Default: UTC, the zone of SQLite's own `CURRENT_TIMESTAMP`.
    ///
    /// With another zone, ``SQLiteDatabase/sqliteDialect`` names a function, `gta_now()`, that the
    /// backend registers on every connection and that returns the current time in this zone.
    public var timeZone: TimeZone = .gmt

    /// How many prepared statements each connection keeps for reuse, least recently used
    /// dropped first. Default: 64.
    public var statementCacheCapacity: Int = 64

    /// A file database at `path`, with the defaults of every other setting.
    ///
    /// A path of exactly `":memory:"` means a private in-memory database, as for SQLite itself.
    public init(path: String) {
        self.path = path == ":memory:" ? nil : path
    }

    /// A private in-memory database: one connection, gone at ``SQLiteDatabase/close()``.
    public static var inMemory: SQLiteConfiguration {
        SQLiteConfiguration(path: ":memory:")
    }

    /// A configuration from a URL string.
    ///
    /// Accepted forms:
    /// - `sqlite:///absolute/path.db`: an absolute path (three slashes);
    /// - `sqlite:relative/path.db`: a path relative to the working directory;
    /// - `sqlite::memory:`: a private in-memory database.
    ///
    /// Percent escapes in the path are decoded. Every other setting has its default.
    /// - Throws: ``SQLiteConfiguration/URLError`` saying what is wrong.
    public init(url: String) throws {
        let scheme = "sqlite:"
        guard url.lowercased().hasPrefix(scheme) else {
            throw URLError(url: url, reason: "the scheme must be 'sqlite:'")
        }
        var rest = String(url.dropFirst(scheme.count))
        if rest.hasPrefix("//") {
            rest.removeFirst(2)
            guard rest.hasPrefix("/") else {
                throw URLError(
                    url: url,
                    reason: "a URL with '//' names an absolute path after a third '/' (sqlite:///abs/path.db); "
                        + "write a relative path as sqlite:relative/path.db"
                )
            }
        }
        guard !rest.isEmpty else {
            throw URLError(url: url, reason: "the path is empty")
        }
        if rest == ":memory:" {
            self.init(path: ":memory:")
            return
        }
        guard let decoded = PercentDecoding.decode(rest) else {
            throw URLError(url: url, reason: "the path has an invalid percent escape")
        }
        self.init(path: decoded)
    }

    /// Whether this configuration names an in-memory database.
    public var isInMemory: Bool { path == nil }

    /// A URL string that could not be read as a SQLite configuration.
    public struct URLError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The URL as given.
        public let url: String
        /// What is wrong with it.
        public let reason: String

        /// An error for `url`, saying `reason`.
        public init(url: String, reason: String) {
            self.url = url
            self.reason = reason
        }

        /// The URL and the reason, in one sentence.
        public var description: String { "invalid SQLite URL '\(url)': \(reason)" }
    }
}
