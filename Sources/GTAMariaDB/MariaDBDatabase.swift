import GTA
import GTABackendKit
import Logging
import Synchronization

/// A MariaDB or MySQL database: the ``GTADatabase`` the task library and an application share.
///
/// ```swift
/// let db = try MariaDBDatabase(url: "mysql://app:secret@127.0.0.1:3306/app")
/// try await db.execute("INSERT INTO notes (body) VALUES (?)", ["hello"])
/// try await db.transaction { tx in
///     try await tx.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", [10, 7])
/// }
/// await db.shutdown()
/// ```
///
/// Autocommitted ``execute(_:_:)`` and ``query(_:_:)`` take a pooled connection for one
/// statement; ``transaction(isolation:_:)`` holds one for the body. Connections open lazily up to
/// ``MariaDBConfiguration/maximumConnections`` (default 8).
///
/// If the task running a statement is cancelled, the statement still finishes on its
/// connection's thread (a connection is never left mid-exchange); a transaction then rolls back.
/// An autocommitted statement that fails because an idle connection was lost (for example after
/// the server's `wait_timeout`) is not retried: the error is thrown and the connection dropped.
/// The pool then pings every other connection that was idle before the failure before handing it
/// out, so a server restart costs about one failed statement, not one per pooled connection.
public final class MariaDBDatabase: GTADatabase {
    /// MySQL / MariaDB SQL.
    public static let dialect = MariaDBDialect()

    /// The settings of every connection.
    public var configuration: MariaDBConfiguration { pool.configuration }
    /// The connection pool.
    public let pool: MariaDBConnectionPool
    /// MySQL / MariaDB SQL as this server speaks it: with ``MariaDBConfiguration/skipLocked``
    /// `auto`, `SKIP LOCKED` is decided from the server's version at the first connection (and
    /// assumed until then). The library reads it again at each claim.
    public var dialect: any GTADialect { mariaDBDialect }
    /// The same as ``dialect``, typed.
    public var mariaDBDialect: MariaDBDialect { current.value.withLock { $0 } }

    private final class Current: Sendable {
        let value: Mutex<MariaDBDialect>
        init(_ dialect: MariaDBDialect) { value = Mutex(dialect) }
    }
    private let current: Current

    /// Creates a database handle; no connection is opened until the first statement.
    /// - Parameter logger: receives connection open/drop events at debug level; never a
    ///   statement or a password. Default label `gta.mariadb`.
    public init(configuration: MariaDBConfiguration, logger: Logging.Logger = Logging.Logger(label: "gta.mariadb")) {
        let current = Current(MariaDBDialect(skipLocked: configuration.skipLocked != .off))
        self.current = current
        let choice = configuration.skipLocked
        pool = MariaDBConnectionPool(configuration: configuration, logger: logger, onConnect: { connection in
            guard choice == .auto else { return }
            let has = MariaDBDialect.serverHasSkipLocked(version: connection.serverVersion)
            current.value.withLock { dialect in
                if (dialect.lockForUpdateSkipLocked != nil) != has { dialect = MariaDBDialect(name: dialect.name, skipLocked: has) }
            }
        })
    }

    /// Creates a database handle from a URL; see ``MariaDBConfiguration/init(url:)``.
    public convenience init(url: String, logger: Logging.Logger = Logging.Logger(label: "gta.mariadb")) throws {
        self.init(configuration: try MariaDBConfiguration(url: url), logger: logger)
    }

    /// Runs one autocommitted statement.
    @discardableResult
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await pool.withConnection { try await $0.execute(sql, binds) }
    }

    /// Runs one autocommitted query.
    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await pool.withConnection { try await $0.query(sql, binds) }
    }

    /// Runs `body` in a transaction on one pooled connection: `SET TRANSACTION ISOLATION LEVEL`
    /// when `isolation` is given, `START TRANSACTION`, the body, then `COMMIT` on return or
    /// `ROLLBACK` on a thrown error (which is rethrown). A failed `COMMIT` rolls back and throws.
    /// A connection whose rollback fails is dropped from the pool.
    @discardableResult
    public func transaction<T: Sendable>(
        isolation: GTAIsolationLevel?,
        _ body: @Sendable (any GTATransaction) async throws -> T
    ) async throws -> T {
        try await pool.withConnection { connection in
            try await TransactionSkeleton.run(
                on: connection, isolation: isolation, handle: { MariaDBTransaction(connection: connection, state: $0) }
            ) { try await body($0) }
        }
    }

    /// The server's version string, such as `"10.11.19-MariaDB"` (opens a connection if none is).
    public func serverVersion() async throws -> String {
        try await pool.withConnection { $0.serverVersion }
    }

    /// Closes idle connections and refuses new work; connections in use close when released.
    public func shutdown() async {
        await pool.shutdown()
    }

    /// The same as ``shutdown()``.
    public func close() async {
        await pool.shutdown()
    }
}
