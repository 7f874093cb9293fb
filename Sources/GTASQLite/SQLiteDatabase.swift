#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTABackendKit
import Logging

/// A SQLite database: the embedded backend of the task library, for a quick start and for an
/// application's unit tests, with no server.
///
/// ```swift
/// let db = try await SQLiteDatabase(path: "app.db")
/// try await db.transaction { tx in
///     try await tx.execute("INSERT INTO orders (item) VALUES (?)", ["book"])
/// }
/// await db.close()
/// ```
///
/// ## Connections
/// One **writer** connection runs every transaction and every autocommitted statement that writes;
/// tasks wait for it in FIFO order, suspended (no thread blocks). Up to
/// ``SQLiteConfiguration/readerCount`` **reader** connections run autocommitted queries that SQLite
/// reports as read-only (`sqlite3_stmt_readonly`), so reads go on while a transaction writes (WAL
/// mode). Each connection has its own thread for its blocking C calls. An in-memory database has
/// the writer only.
///
/// ## Transactions and locking
/// A transaction starts with `BEGIN IMMEDIATE`, which takes SQLite's database write lock up front.
/// Every writing transaction is therefore serialized with all others, in this process (through the
/// writer) and in other processes or other `SQLiteDatabase` instances on the same file (through the
/// file lock, waiting up to ``SQLiteConfiguration/busyTimeout``): a claim that selects rows and then
/// updates them optimistically inside one transaction never races another claimer. The
/// `isolation` argument is ignored: SQLite transactions are serializable.
///
/// A transaction inside a transaction's closure, opened on its handle, is a savepoint.
///
/// ## Do not call the database from inside its own transaction
/// The closure of ``transaction(isolation:_:)`` holds the only writer. Calling this database's own
/// ``execute(_:_:)``, ``transaction(isolation:_:)``, or a ``query(_:_:)`` that writes, from inside
/// it would wait for the closure forever; this is detected (a task-local marks the open
/// transaction, inherited by child tasks) and throws a ``SQLiteError`` that says to use the
/// handle. A read-only ``query(_:_:)`` is allowed and runs on a reader, outside the transaction:
/// it does not see the transaction's uncommitted writes.
public final class SQLiteDatabase: GTADatabase {
    /// The configuration the database was opened with.
    public let configuration: SQLiteConfiguration

    /// SQLite SQL; with a configured time zone other than UTC, its ``SQLiteDialect/now`` is
    /// `gta_now()`, a function that returns the current time in that zone, registered on every
    /// connection.
    public let sqliteDialect: SQLiteDialect
    public var dialect: any GTADialect { sqliteDialect }

    private let writer: ConnectionPool<SQLiteConnection>
    /// `nil` when there are no readers (an in-memory database, or ``SQLiteConfiguration/readerCount`` 0).
    private let readers: ConnectionPool<SQLiteConnection>?

    /// The transactions open in the current task (and inherited by its child tasks).
    @TaskLocal private static var openTransactions: [SQLiteTransactionHandle] = []

    /// Opens (and creates, if needed) the database that `configuration` describes.
    ///
    /// - Throws: ``SQLiteError`` naming the file when it cannot be opened or configured (its
    ///   directory missing or unwritable, not a database, locked for longer than the busy timeout).
    public init(configuration: SQLiteConfiguration) async throws {
        self.configuration = configuration
        let zone = configuration.timeZone
        let utc = zone.secondsFromGMT() == 0 && zone.nextDaylightSavingTimeTransition == nil
        self.sqliteDialect = SQLiteDialect(now: utc ? "CURRENT_TIMESTAMP" : "gta_now()")

        let writerConnection = try await SQLiteConnection.open(configuration, role: .writer)
        var readerConnections: [SQLiteConnection] = []
        let readerCount = configuration.isInMemory ? 0 : max(0, configuration.readerCount)
        do {
            for n in 0..<readerCount {
                readerConnections.append(try await SQLiteConnection.open(configuration, role: .reader(n + 1)))
            }
        } catch {
            for connection in readerConnections {
                await connection.close()
            }
            await writerConnection.close()
            throw error
        }
        self.writer = Self.pool("writer", of: [writerConnection], busyTimeout: configuration.busyTimeout) {
            try await SQLiteConnection.open(configuration, role: .writer)
        }
        self.readers = readerConnections.isEmpty ? nil : Self.pool("reader", of: readerConnections, busyTimeout: configuration.busyTimeout) {
            try await SQLiteConnection.open(configuration, role: .reader(readerCount + 1))
        }
    }

    /// The shared pool, full from the start with connections opened already; tasks wait for them
    /// in FIFO order, each until its call's deadline (the busy timeout from the call's start), and
    /// then fail busy as when another process holds the lock. A SQLite connection is never
    /// dropped, so the pool has no slot to open `reopen`'s connection in unless that changes.
    private static func pool(
        _ name: String, of connections: [SQLiteConnection], busyTimeout: Duration,
        reopen: @escaping @Sendable () async throws -> SQLiteConnection
    ) -> ConnectionPool<SQLiteConnection> {
        ConnectionPool(
            configuration: ConnectionPoolConfiguration(name: "SQLite \(name)", maximum: connections.count, acquireTimeout: nil),
            initial: connections,
            logger: Logging.Logger(label: "gta.sqlite"),
            makeError: { failure in
                let context = "cannot get a \(name) connection"
                guard case .timedOut = failure else {
                    return SQLiteError(extendedResultCode: SQLiteError.Code.misuse, message: "the database is closed", context: context)
                }
                return SQLiteError(
                    extendedResultCode: SQLiteError.Code.busy,
                    message: "other tasks of this process held the \(name) connection for longer than the busy timeout (\(busyTimeout))",
                    context: context
                )
            },
            open: reopen
        )
    }

    /// Opens the file database at `path` with the default settings (`":memory:"`: a private
    /// in-memory database).
    public convenience init(path: String) async throws {
        try await self.init(configuration: SQLiteConfiguration(path: path))
    }

    /// Opens the database that a URL string names: `sqlite:///abs/path.db`,
    /// `sqlite:relative.db` or `sqlite::memory:` (see ``SQLiteConfiguration/init(url:)``).
    public convenience init(url: String) async throws {
        try await self.init(configuration: SQLiteConfiguration(url: url))
    }

    /// Runs a statement in its own transaction, on the writer.
    ///
    /// The SQL may hold several statements separated by `;`; the values bind across them in
    /// order, and the result is the last statement's.
    ///
    /// A busy or locked database (another process writing) is waited for and retried within
    /// ``SQLiteConfiguration/maximumBusyRetries``; the whole call, waiting for the writer
    /// connection included, waits at most ``SQLiteConfiguration/busyTimeout``.
    /// - Throws: ``SQLiteError``; also when called from inside one of this database's transactions.
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try checkNotInsideOwnTransaction(sql)
        let deadline = ContinuousClock.now + configuration.busyTimeout
        return try await writer.withConnection(deadline: deadline) { try await $0.execute(sql, binds, deadline: deadline) }
    }

    /// Runs a query in its own transaction: on a reader when it only reads, otherwise on the writer.
    /// - Throws: ``SQLiteError``; also for a writing query called from inside one of this
    ///   database's transactions.
    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        let deadline = ContinuousClock.now + configuration.busyTimeout
        if let readers,
            case .rows(let rows) = try await readers.withConnection(deadline: deadline, { try await $0.queryIfReadOnly(sql, binds, deadline: deadline) })
        {
            return rows
        }
        try checkNotInsideOwnTransaction(sql)
        return try await writer.withConnection(deadline: deadline) { try await $0.query(sql, binds, deadline: deadline) }
    }

    /// Runs `body` in a transaction: `BEGIN IMMEDIATE`, the body, `COMMIT`.
    ///
    /// A thrown error rolls back and is rethrown. A failed `COMMIT` rolls back and throws: nothing
    /// was written. Waiting for the writer connection and `BEGIN IMMEDIATE` together, and then
    /// `COMMIT`, wait for other tasks and another process's lock within
    /// ``SQLiteConfiguration/busyTimeout``; statements inside the body are not retried.
    /// - Parameter isolation: ignored; SQLite transactions are serializable.
    /// - Throws: what `body` throws, or ``SQLiteError`` (``SQLiteError/isBusy`` when the lock was
    ///   not free in time); also when called from inside one of this database's transactions.
    public func transaction<T: Sendable>(
        isolation: GTAIsolationLevel?,
        _ body: @Sendable (any GTATransaction) async throws -> T
    ) async throws -> T {
        try checkNotInsideOwnTransaction("BEGIN IMMEDIATE")
        let (dialect, databaseID) = (self.dialect, ObjectIdentifier(self))
        let deadline = ContinuousClock.now + configuration.busyTimeout
        return try await writer.withConnection(deadline: deadline) { connection in
            try await TransactionSkeleton.run(
                on: connection, isolation: isolation, beginDeadline: deadline,
                handle: { SQLiteTransactionHandle(connection: connection, state: $0, dialect: dialect, databaseID: databaseID) }
            ) { handle in
                try await Self.$openTransactions.withValue(Self.openTransactions + [handle]) {
                    try await body(handle)
                }
            }
        }
    }

    /// Waits for running statements and transactions to finish, then closes every connection.
    ///
    /// Later calls throw a ``SQLiteError`` saying the database is closed. Do not call it from
    /// inside a transaction's closure: it would wait for that transaction.
    public func close() async {
        await writer.shutdown(waitingForConnectionsInUse: true)
        await readers?.shutdown(waitingForConnectionsInUse: true)
    }

    private func checkNotInsideOwnTransaction(_ sql: String) throws {
        let id = ObjectIdentifier(self)
        guard Self.openTransactions.contains(where: { $0.databaseID == id && $0.isOpen }) else { return }
        throw SQLiteError(
            extendedResultCode: SQLiteError.Code.misuse,
            message: "this task is inside an open transaction of this SQLite database, which holds its only writer "
                + "connection, so this statement would wait for that transaction forever; run it through the "
                + "transaction handle instead (tx.execute, tx.query, or tx.transaction for a savepoint)",
            context: "cannot use the database inside its own transaction",
            sql: sql
        )
    }
}
