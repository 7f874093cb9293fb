import CMariaDB
import GTA
import GTABackendKit
import Logging
import Synchronization

/// One connection to a MariaDB or MySQL server, with its own thread and prepared-statement cache.
///
/// Most code uses ``MariaDBDatabase``, which pools connections; a connection of your own is for
/// administrative work (such as `KILL`) that must not share a pooled session.
///
/// Every statement travels as a server-side prepared statement, cached per connection (the 64
/// most recently used SQL texts), so a repeated statement costs one round trip. A statement the
/// server cannot prepare (`ER_UNSUPPORTED_PS`, 1295) and that has no parameters falls back to
/// the text protocol; its values are converted by column type all the same.
///
/// `@unchecked Sendable`: the `MYSQL*` handle, the statement cache and the bind buffers are
/// touched only on the connection's own thread (one item of work at a time), and the state read
/// from other threads (broken, in a transaction) is atomic. The C library's handle may move
/// between threads but must never be used by two at once; the thread guarantees that.
public final class MariaDBConnection: GTAExecutor, @unchecked Sendable {
    /// The settings this connection was opened with.
    public let configuration: MariaDBConfiguration
    /// The server's session id (`CONNECTION_ID()`), for `KILL` and logs.
    public private(set) var connectionID: UInt64 = 0
    /// The server's version string, such as `"10.11.19-MariaDB"`.
    public private(set) var serverVersion: String = ""
    /// The server's `max_allowed_packet`: a statement whose values come near it is refused
    /// before it is sent (the server would close the connection on it).
    public private(set) var maxAllowedPacket: Int = 16 << 20
    /// MySQL / MariaDB SQL.
    public var dialect: any GTADialect { MariaDBDatabase.dialect }

    /// The most prepared statements kept per connection.
    static let statementCacheSize = 64
    /// The most parameters the kept statements of one connection have in all. A kept parameter
    /// costs Connector/C's copy of its bind, 112 bytes (the bind arrays themselves are the
    /// connection's, ``MariaDBScratch``, not the statement's); the library's batch statements
    /// have up to 771 (a claim of 256 rows), and each padded size is a statement of its own, so
    /// without this bound a busy connection would keep every padded size of each.
    static let statementCacheParameterLimit = 1024

    private let thread: BlockingThread
    private let time: MariaDBTime
    private let state = Atomic<UInt8>(0)
    private static let brokenBit: UInt8 = 1
    private static let inTransactionBit: UInt8 = 2
    private static let closedBit: UInt8 = 4
    private static let retiredBit: UInt8 = 8

    // Thread-confined (only touched on `thread`). A statement closes itself when released.
    private var handle: UnsafeMutablePointer<MYSQL>?
    private var statements = StatementCache<MariaDBStatement>(
        capacity: MariaDBConnection.statementCacheSize, weightLimit: MariaDBConnection.statementCacheParameterLimit)
    private var scratch = MariaDBScratch()

    private init(configuration: MariaDBConfiguration) {
        self.configuration = configuration
        self.time = MariaDBTime(zone: configuration.civilTimeZone)
        self.thread = BlockingThread(name: "gta-mariadb")
    }

    deinit {
        // Nothing else can hold the connection now, so touching the handle here is safe.
        statements.removeAll()
        if let handle { mysql_close(handle) }
        scratch.free()
        thread.stop()
    }

    /// Opens a connection: TCP (or the Unix socket when configured), `utf8mb4` with
    /// `utf8mb4_unicode_ci`, the session `time_zone` matching ``MariaDBConfiguration/timeZone``,
    /// automatic reconnection off.
    ///
    /// - Throws: ``MariaDBError`` of kind ``MariaDBError/Kind/connect``; its message names the
    ///   server and user, never the password.
    public static func connect(configuration: MariaDBConfiguration) async throws -> MariaDBConnection {
        try MariaDBLibrary.ensureInitialized()
        let connection = MariaDBConnection(configuration: configuration)
        do {
            try await connection.thread.run {
                let opened = try MariaDBSession.open(configuration, time: connection.time)
                connection.handle = opened.handle
                connection.connectionID = opened.connectionID
                connection.serverVersion = opened.serverVersion
                connection.maxAllowedPacket = opened.maxAllowedPacket
            }
        } catch {
            connection.state.bitwiseOr(closedBit, ordering: .relaxed)
            connection.thread.stop()
            throw error
        }
        return connection
    }

    /// The connection's own thread as a task executor. Code run with
    /// `withTaskExecutorPreference(connection.executor) { ... }` runs on that thread, and each
    /// statement it sends is then a direct blocking call there, with no hop between threads
    /// (the way a C client loops). Keep such code short: while it runs, nothing else can use
    /// the thread.
    public var executor: any TaskExecutor { thread }

    /// Whether a lost-connection error was seen; a broken connection refuses further work.
    public var isBroken: Bool { state.load(ordering: .acquiring) & (Self.brokenBit | Self.closedBit) != 0 }

    /// Whether the server reported an open transaction after the last statement.
    public var isInTransaction: Bool { state.load(ordering: .acquiring) & Self.inTransactionBit != 0 }

    func markBroken() { state.bitwiseOr(Self.brokenBit, ordering: .releasing) }

    /// Closes the connection at its release (the pool's host policy prefers another server).
    func markRetired() { state.bitwiseOr(Self.retiredBit, ordering: .releasing) }

    /// Runs a statement that returns no rows; see ``GTAExecutor/execute(_:_:)``.
    @discardableResult
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await execute(sql, binds, in: nil)
    }

    /// Runs a query and returns its rows; see ``GTAExecutor/query(_:_:)``.
    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await query(sql, binds, in: nil)
    }

    /// Runs a statement, inside the transaction of `transaction` when given: refused if that
    /// has ended by the time the statement reaches the connection's thread.
    func execute(_ sql: String, _ binds: [GTAValue], in transaction: TransactionState?) async throws -> GTAExecuteResult {
        try await thread.run { [self] in
            try Self.check(transaction)
            return try perform(sql, binds, wantRows: false).0
        }
    }

    /// Runs a query, as ``execute(_:_:in:)``.
    func query(_ sql: String, _ binds: [GTAValue], in transaction: TransactionState?) async throws -> [GTARow] {
        try await thread.run { [self] in
            try Self.check(transaction)
            return try perform(sql, binds, wantRows: true).1
        }
    }

    /// Runs statements without parameters through the text protocol, in one hop (transaction
    /// control: `START TRANSACTION`, `COMMIT`, `SAVEPOINT`, ...).
    func control(_ statements: [String], in transaction: TransactionState? = nil) async throws {
        try await thread.run { [self] in
            try Self.check(transaction)
            for sql in statements {
                _ = try guarded { try MariaDBTextProtocol.run($0, sql, wantRows: false, kind: .transaction, time: time) }
            }
        }
    }

    private static func check(_ transaction: TransactionState?) throws {
        guard let transaction, !transaction.isOpen else { return }
        throw MariaDBError(
            kind: .transactionEnded,
            message: "this transaction handle was used after its transaction ended; use it only inside the transaction's closure"
        )
    }

    /// Closes the connection and ends its thread. Later use throws.
    public func close() async {
        _ = try? await thread.run { [self] in closeOnThread() }
        thread.stop()
    }

    /// Closes without waiting (for the pool).
    package func closeInBackground() {
        thread.submit { [self] in closeOnThread() }
        thread.stop()
    }

    // MARK: - On the connection thread

    private func closeOnThread() {
        state.bitwiseOr(Self.closedBit, ordering: .releasing)
        statements.removeAll()
        if let handle { mysql_close(handle) }
        handle = nil
    }

    /// Runs `work` with the open handle; marks the connection broken on a lost connection and
    /// records whether a transaction is open.
    /// Refuses, before anything is sent, a statement whose SQL and values would not fit in one
    /// packet of the server's (`max_allowed_packet`), with a little room for the protocol.
    private func refuseOversized(_ sql: String, _ binds: [GTAValue]) throws {
        var size = sql.utf8.count + 64
        for value in binds {
            switch value {
            case .string(let text): size += text.utf8.count + 9
            case .bytes(let bytes): size += bytes.count + 9
            default: size += 9
            }
        }
        guard size > maxAllowedPacket else { return }
        throw MariaDBError(
            kind: .valueTooLarge,
            message: "a statement of about \(size) bytes is larger than the server's max_allowed_packet (\(maxAllowedPacket)); not sent")
    }

    private func guarded<T>(_ work: (UnsafeMutablePointer<MYSQL>) throws -> T) throws -> T {
        let flags = state.load(ordering: .relaxed)
        guard let h = handle, flags & Self.closedBit == 0 else {
            throw MariaDBError(kind: .connectionClosed, message: "the connection is closed")
        }
        guard flags & Self.brokenBit == 0 else {
            throw MariaDBError(kind: .connectionClosed, message: "the connection was lost earlier and cannot be used again")
        }
        do {
            let result = try work(h)
            recordTransactionState(h)
            return result
        } catch let error as MariaDBError {
            if error.isConnectionLost || error.isAbortedFetch { markBroken() } else { recordTransactionState(h) }
            throw error
        }
    }

    private func recordTransactionState(_ h: UnsafeMutablePointer<MYSQL>) {
        if h.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0 {
            state.bitwiseOr(Self.inTransactionBit, ordering: .releasing)
        } else {
            state.bitwiseAnd(~Self.inTransactionBit, ordering: .releasing)
        }
    }

    private func perform(_ sql: String, _ binds: [GTAValue], wantRows: Bool) throws -> (GTAExecuteResult, [GTARow]) {
        try refuseOversized(sql, binds)
        return try guarded { h in
            guard let statement = try statement(h, for: sql, parameterless: binds.isEmpty) else {
                return try MariaDBTextProtocol.run(h, sql, wantRows: wantRows, kind: .execute, time: time)
            }
            guard statement.parameterCount == binds.count else {
                throw MariaDBError(
                    kind: .prepare,
                    message: "the statement has \(statement.parameterCount) placeholder(s) but \(binds.count) value(s) were bound"
                )
            }
            defer { scratch.releaseLarge() }
            try statement.bind(binds, scratch: &scratch, time: time)
            do {
                return try statement.execute(wantRows: wantRows, time: time)
            } catch let error as MariaDBError {
                // A statement the server no longer knows is dropped from the cache.
                if error.errno == UInt32(ER_UNKNOWN_STMT_HANDLER) || error.errno == UInt32(CR_NO_PREPARE_STMT) {
                    statements.remove(sql)
                }
                throw error
            }
        }
    }

    /// The cached prepared statement for `sql`, prepared now when missing; `nil` when the server
    /// cannot prepare it and it has no parameters (the caller then uses the text protocol).
    private func statement(_ h: UnsafeMutablePointer<MYSQL>, for sql: String, parameterless: Bool) throws -> MariaDBStatement? {
        if let cached = statements.statement(for: sql) { return cached }
        guard let stmt = mysql_stmt_init(h) else { throw MariaDBError.from(h, kind: .prepare) }
        let failed = sql.utf8.withContiguousStorageIfAvailable { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { mysql_stmt_prepare(stmt, $0.baseAddress, UInt($0.count)) }
        } ?? mysql_stmt_prepare(stmt, sql, UInt(sql.utf8.count))
        if failed != 0 {
            let error = MariaDBError.from(statement: stmt, kind: .prepare)
            mysql_stmt_close(stmt)
            if parameterless && error.errno == UInt32(ER_UNSUPPORTED_PS) { return nil }
            throw error
        }
        let statement = MariaDBStatement(handle: stmt)
        // Not kept when too heavy: it then closes once this execution has released it.
        _ = statements.insert(statement, for: sql, weight: statement.parameterCount)
        return statement
    }
}

extension MariaDBConnection: PoolableConnection {
    package var unusableReason: PoolDropReason? {
        if isBroken { return .linkLost }
        if isInTransaction { return .inTransaction }
        if state.load(ordering: .acquiring) & Self.retiredBit != 0 { return .notPreferred }
        return nil
    }

    /// `mysql_ping`; a connection that does not answer is marked broken.
    package func isAlive() async -> Bool {
        let alive = try? await thread.run { [self] in
            try guarded { h in
                guard mysql_ping(h) == 0 else { throw MariaDBError.from(h, kind: .execute) }
                return true
            }
        }
        return alive ?? false
    }

    package var logMetadata: Logging.Logger.Metadata { ["connection_id": "\(connectionID)"] }
}

extension MariaDBConnection: TransactionalConnection {
    /// `START TRANSACTION` takes no lock, so there is nothing to wait for until `deadline`.
    package func beginTransaction(isolation: GTAIsolationLevel?, waitingUntil deadline: ContinuousClock.Instant?) async throws {
        var begin: [String] = []
        if let isolation { begin.append("SET TRANSACTION ISOLATION LEVEL \(isolation.rawValue)") }
        begin.append("START TRANSACTION")
        try await control(begin)
    }

    package func commitTransaction() async throws {
        try await control(["COMMIT"])
    }

    /// A connection that cannot roll back is marked broken, so that the pool drops it; one that
    /// lost its link has nothing left to roll back.
    package func rollbackTransaction() async {
        guard !isBroken else { return }
        do { try await control(["ROLLBACK"]) } catch { markBroken() }
    }

    package func runControl(_ sql: String, in transaction: TransactionState) async throws {
        try await control([sql], in: transaction)
    }
}
