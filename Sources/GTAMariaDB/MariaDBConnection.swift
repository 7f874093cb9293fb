import CMariaDB
import Foundation
import GTA
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
/// touched only on the connection's own ``BlockingThread`` (one item of work at a time), and the
/// state read from other threads (broken, in a transaction) is atomic. The C library's handle
/// may move between threads but must never be used by two at once; the thread guarantees that.
public final class MariaDBConnection: GTAExecutor, @unchecked Sendable {
    /// The settings this connection was opened with.
    public let configuration: MariaDBConfiguration
    /// The server's session id (`CONNECTION_ID()`), for `KILL` and logs.
    public private(set) var connectionID: UInt64 = 0
    /// The server's version string, such as `"10.11.19-MariaDB"`.
    public private(set) var serverVersion: String = ""
    /// MySQL / MariaDB SQL.
    public var dialect: any GTADialect { MariaDBDatabase.dialect }

    /// The most prepared statements kept per connection.
    static let statementCacheSize = 64

    private let thread: BlockingThread
    private let time: MariaDBTime
    private let state = Atomic<UInt8>(0)
    private static let brokenBit: UInt8 = 1
    private static let inTransactionBit: UInt8 = 2
    private static let closedBit: UInt8 = 4

    // Thread-confined (only touched on `thread`).
    private var handle: UnsafeMutablePointer<MYSQL>?
    private var statements: [String: MariaDBStatement] = [:]
    private var clock: UInt64 = 0
    private var scratch = MariaDBScratch()

    private init(configuration: MariaDBConfiguration) {
        self.configuration = configuration
        self.time = MariaDBTime(timeZone: configuration.timeZone)
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
            try await connection.thread.run { try connection.open() }
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

    /// Runs a statement that returns no rows; see ``GTAExecutor/execute(_:_:)``.
    @discardableResult
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await thread.run { [self] in try perform(sql, binds, wantRows: false).0 }
    }

    /// Runs a query and returns its rows; see ``GTAExecutor/query(_:_:)``.
    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await thread.run { [self] in try perform(sql, binds, wantRows: true).1 }
    }

    /// Runs statements without parameters through the text protocol, in one hop (transaction
    /// control: `START TRANSACTION`, `COMMIT`, `SAVEPOINT`, ...).
    func control(_ statements: [String], kind: MariaDBError.Kind = .transaction) async throws {
        try await thread.run { [self] in
            for sql in statements { _ = try guarded { try textQuery($0, sql, wantRows: false, kind: kind) } }
        }
    }

    /// Closes the connection and ends its thread. Later use throws.
    public func close() async {
        _ = try? await thread.run { [self] in closeOnThread() }
        thread.stop()
    }

    /// Closes without waiting (for the pool).
    func closeInBackground() {
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

    private func open() throws {
        let config = configuration
        guard let h = mysql_init(nil) else {
            throw MariaDBError(kind: .connect, message: "mysql_init failed (out of memory)")
        }
        handle = h
        var connectTimeout = config.connectTimeout.connectorSeconds
        mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        if var read = config.readTimeout?.connectorSeconds { mysql_options(h, MYSQL_OPT_READ_TIMEOUT, &read) }
        if var write = config.writeTimeout?.connectorSeconds { mysql_options(h, MYSQL_OPT_WRITE_TIMEOUT, &write) }
        var off: my_bool = 0
        var on: my_bool = 1
        mysql_options(h, MYSQL_OPT_RECONNECT, &off)
        mysql_options(h, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        var proto = config.unixSocket == nil ? MYSQL_PROTOCOL_TCP.rawValue : MYSQL_PROTOCOL_SOCKET.rawValue
        mysql_options(h, MYSQL_OPT_PROTOCOL, &proto)
        switch config.tls.mode {
        case .disabled:
            break
        case .require:
            mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on)
            mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off)
        case .verifyCA(let ca):
            mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on)
            mysql_options(h, MYSQL_OPT_SSL_CA, ca)
            mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off)
        case .verifyIdentity(let ca):
            mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on)
            mysql_options(h, MYSQL_OPT_SSL_CA, ca)
            mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on)
        }
        if config.tls.isEnabled {
            if let cert = config.tls.clientCertificatePath { mysql_options(h, MYSQL_OPT_SSL_CERT, cert) }
            if let key = config.tls.clientKeyPath { mysql_options(h, MYSQL_OPT_SSL_KEY, key) }
        }
        let host = config.unixSocket == nil ? config.host : "localhost"
        let connected = mysql_real_connect(
            h, host, config.user, config.password, config.database, UInt32(clamping: config.port),
            config.unixSocket, UInt(CLIENT_MULTI_RESULTS)
        )
        if connected == nil {
            throw MariaDBError.from(
                h, kind: .connect,
                context: "cannot connect to MariaDB at \(config.endpoint) as user '\(config.user)'"
            )
        }
        if config.tls.isEnabled && mysql_get_ssl_cipher(h) == nil {
            // Connector/C 3.3 can fall back to plain text when the server offers no TLS; a
            // required encryption is checked here instead of trusted.
            throw MariaDBError(
                kind: .connect, errno: UInt32(CR_SSL_CONNECTION_ERROR),
                message: "cannot connect to MariaDB at \(config.endpoint) as user '\(config.user)': TLS (\(config.tls)) was required but the connection is not encrypted; does the server have TLS enabled?"
            )
        }
        connectionID = UInt64(mysql_thread_id(h))
        serverVersion = String(cString: mysql_get_server_info(h))
        do {
            _ = try textQuery(h, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci", wantRows: false, kind: .connect)
            try setTimeZone(h)
        } catch let error as MariaDBError {
            throw MariaDBError(
                kind: .connect, errno: error.errno, sqlState: error.sqlState,
                message: "session setup on \(config.endpoint) failed: \(error.message)"
            )
        }
    }

    private func setTimeZone(_ h: UnsafeMutablePointer<MYSQL>) throws {
        let zone = configuration.timeZone
        func offsetText() -> String {
            let seconds = zone.secondsFromGMT()
            let a = abs(seconds)
            return String(format: "%@%02d:%02d", seconds < 0 ? "-" : "+", a / 3600, a % 3600 / 60)
        }
        if zone.secondsFromGMT() == 0 && zone.nextDaylightSavingTimeTransition == nil {
            _ = try textQuery(h, "SET time_zone = '+00:00'", wantRows: false, kind: .connect)
            return
        }
        do {
            // A named zone follows daylight saving time; it needs the server's time zone tables.
            let name = zone.identifier.replacingOccurrences(of: "'", with: "")
            _ = try textQuery(h, "SET time_zone = '\(name)'", wantRows: false, kind: .connect)
        } catch let error as MariaDBError where error.errno == UInt32(ER_UNKNOWN_TIME_ZONE) {
            // No time zone tables: the current offset (NOW() is then off by an hour across DST).
            _ = try textQuery(h, "SET time_zone = '\(offsetText())'", wantRows: false, kind: .connect)
        }
    }

    /// Runs `work` with the open handle; marks the connection broken on a lost connection and
    /// records whether a transaction is open.
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
            if error.isConnectionLost { markBroken() } else { recordTransactionState(h) }
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
        try guarded { h in
            guard let statement = try statement(h, for: sql, parameterless: binds.isEmpty) else {
                return try textQuery(h, sql, wantRows: wantRows, kind: .execute)
            }
            guard statement.parameterCount == binds.count else {
                throw MariaDBError(
                    kind: .prepare,
                    message: "the statement has \(statement.parameterCount) placeholder(s) but \(binds.count) value(s) were bound"
                )
            }
            try statement.bind(binds, scratch: &scratch, time: time)
            do {
                return try statement.execute(wantRows: wantRows, time: time)
            } catch let error as MariaDBError {
                // A statement the server no longer knows is dropped from the cache.
                if error.errno == UInt32(ER_UNKNOWN_STMT_HANDLER) || error.errno == UInt32(CR_NO_PREPARE_STMT) {
                    statements[sql] = nil
                }
                throw error
            }
        }
    }

    /// The cached prepared statement for `sql`, prepared now when missing; `nil` when the server
    /// cannot prepare it and it has no parameters (the caller then uses the text protocol).
    private func statement(_ h: UnsafeMutablePointer<MYSQL>, for sql: String, parameterless: Bool) throws -> MariaDBStatement? {
        clock &+= 1
        if let cached = statements[sql] {
            cached.lastUse = clock
            return cached
        }
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
        statement.lastUse = clock
        if statements.count >= Self.statementCacheSize,
            let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse })
        {
            statements[oldest.key] = nil
        }
        statements[sql] = statement
        return statement
    }

    /// Runs `sql` through the text protocol (`mysql_real_query`), converting values by column type.
    private func textQuery(
        _ h: UnsafeMutablePointer<MYSQL>, _ sql: String, wantRows: Bool, kind: MariaDBError.Kind
    ) throws -> (GTAExecuteResult, [GTARow]) {
        if mysql_real_query(h, sql, UInt(sql.utf8.count)) != 0 {
            throw MariaDBError.from(h, kind: kind)
        }
        var outcome = (GTAExecuteResult(rowsAffected: 0), [GTARow]())
        var first = true
        while true {
            if mysql_field_count(h) == 0 {
                if first {
                    let affected = mysql_affected_rows(h)
                    outcome.0 = GTAExecuteResult(
                        rowsAffected: affected == UInt64.max ? 0 : Int(clamping: affected),
                        lastInsertID: mysql_insert_id(h)
                    )
                }
            } else {
                guard let result = mysql_store_result(h) else { throw MariaDBError.from(h, kind: .fetch) }
                defer { mysql_free_result(result) }
                if first && wantRows { outcome.1 = decodeText(result) }
            }
            first = false
            let next = mysql_next_result(h)
            if next == -1 { break }
            if next > 0 { throw MariaDBError.from(h, kind: kind) }
        }
        return outcome
    }

    private func decodeText(_ result: UnsafeMutablePointer<MYSQL_RES>) -> [GTARow] {
        let count = Int(mysql_num_fields(result))
        let fields = mysql_fetch_fields(result)!
        let columns = GTAColumns((0..<count).map { String(cString: fields[$0].name) })
        let kinds = (0..<count).map { MariaDBStatement.kind(of: fields[$0]) }
        var rows: [GTARow] = []
        while let row = mysql_fetch_row(result) {
            let lengths = mysql_fetch_lengths(result)!
            var values: [GTAValue] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                guard let cell = row[i] else { values.append(.null); continue }
                let bytes = UnsafeRawBufferPointer(start: cell, count: Int(lengths[i]))
                if kinds[i] == .bytes { values.append(.bytes([UInt8](bytes))); continue }
                let text = String(decoding: bytes, as: UTF8.self)
                switch kinds[i] {
                case .signed: values.append(Int64(text).map(GTAValue.int) ?? .string(text))
                case .unsigned: values.append(UInt64(text).map(GTAValue.uint) ?? .string(text))
                case .double: values.append(Double(text).map(GTAValue.double) ?? .string(text))
                case .dateTime:
                    if text.hasPrefix("0000-00-00") { values.append(.null) } else {
                        values.append(time.date(text: text).map(GTAValue.date) ?? .string(text))
                    }
                case .null: values.append(.null)
                default: values.append(.string(text))
                }
            }
            rows.append(GTARow(columns: columns, values: values))
        }
        return rows
    }
}
