import CMariaDB
import GTA

/// An error from the MariaDB backend: a server or client error reported by Connector/C, or a
/// condition the backend itself detects (pool timeout, a transaction handle used too late, a
/// bad configuration).
///
/// Match the common causes by name rather than by number:
///
/// ```swift
/// do { try await db.execute("INSERT INTO t (id) VALUES (?)", [.int(1)]) }
/// catch let error as MariaDBError where error.isDuplicateKey { ... }
/// ```
///
/// The error never contains the connection password: connect failures name the host, port and
/// user only.
public struct MariaDBError: GTADatabaseError, CustomStringConvertible, CustomDebugStringConvertible {
    /// What the backend was doing when the error happened.
    public enum Kind: String, Sendable, Hashable {
        /// Opening a connection (`mysql_real_connect` and the session setup after it).
        case connect
        /// Preparing a statement (`mysql_stmt_prepare`).
        case prepare
        /// Running a statement or query (`mysql_stmt_execute`, `mysql_real_query`).
        case execute
        /// Reading result rows (`mysql_stmt_fetch`, `mysql_store_result`).
        case fetch
        /// Beginning, committing or rolling back a transaction or savepoint.
        case transaction
        /// Every pooled connection stayed busy for the pool's acquire timeout.
        case poolTimeout
        /// The pool or database was shut down.
        case poolClosed
        /// A transaction handle was used after its transaction had ended.
        case transactionEnded
        /// The connection was closed, or had been marked broken by an earlier lost-connection error.
        case connectionClosed
        /// A configuration or URL could not be used.
        case invalidConfiguration
        /// A statement larger than the server's `max_allowed_packet`, refused before it was sent.
        case valueTooLarge
    }

    /// The MySQL / MariaDB error number (`mysql_errno`, such as 1062), or 0 for an error the
    /// backend detected itself.
    public let errno: UInt32
    /// The five-character SQLSTATE (`mysql_sqlstate`), or `"HY000"` when there is none.
    public let sqlState: String
    /// The server's or the backend's message.
    public let message: String
    /// What the backend was doing.
    public let kind: Kind

    /// Creates an error value.
    public init(kind: Kind, errno: UInt32 = 0, sqlState: String = "HY000", message: String) {
        self.kind = kind
        self.errno = errno
        self.sqlState = sqlState
        self.message = message
    }

    /// `ER_DUP_ENTRY` (1062): a unique or primary key already holds the value.
    public var isDuplicateKey: Bool { errno == UInt32(ER_DUP_ENTRY) }
    /// `ER_LOCK_DEADLOCK` (1213): the transaction was chosen as a deadlock victim and the server
    /// rolled it back.
    public var isDeadlock: Bool { errno == UInt32(ER_LOCK_DEADLOCK) }
    /// `ER_LOCK_WAIT_TIMEOUT` (1205): only the statement was rolled back; the transaction is open.
    public var isLockWaitTimeout: Bool { errno == UInt32(ER_LOCK_WAIT_TIMEOUT) }
    /// `ER_ACCESS_DENIED_ERROR` (1045): wrong user or password.
    public var isAccessDenied: Bool { errno == UInt32(ER_ACCESS_DENIED_ERROR) }

    /// The connection to the server is gone or unusable: `CR_SERVER_GONE_ERROR` (2006),
    /// `CR_SERVER_LOST` (2013), `CR_SERVER_LOST_EXTENDED` (2055), `CR_COMMANDS_OUT_OF_SYNC`
    /// (2014), `CR_SSL_CONNECTION_ERROR` (2026) after connecting, a server shutdown
    /// (`ER_SERVER_SHUTDOWN` 1053, `ER_CONNECTION_KILLED` 1927), or a packet larger than the
    /// server's `max_allowed_packet` (`ER_NET_PACKET_TOO_LARGE` 1153, after which the server
    /// closes the connection). A connection that sees one of these marks itself broken and the
    /// pool drops it (and checks its idle connections before handing them out).
    public var isConnectionLost: Bool {
        Self.connectionLostCodes.contains(errno) || kind == .connectionClosed
    }

    /// The server could not be reached at all: `CR_CONNECTION_ERROR` (2002, socket),
    /// `CR_CONN_HOST_ERROR` (2003, TCP) or `CR_UNKNOWN_HOST` (2005).
    public var isConnectFailure: Bool {
        errno == UInt32(CR_CONNECTION_ERROR) || errno == UInt32(CR_CONN_HOST_ERROR)
            || errno == UInt32(CR_UNKNOWN_HOST)
    }

    /// `ER_UNKNOWN_COM_ERROR` (1047): what a Galera node answers while it is not yet prepared
    /// for application use (joining or desynced); another try, soon or on another node, may
    /// succeed.
    public var isNodeNotReady: Bool { errno == UInt32(ER_UNKNOWN_COM_ERROR) }

    /// `ER_OPTION_PREVENTS_STATEMENT` (1290): the server refuses writes because it runs with
    /// `read_only` or `super_read_only` (a replica, a MySQL Group Replication secondary, a
    /// primary demoted by a failover). The same number also names other options that refuse a
    /// statement (`--secure-file-priv` for `SELECT ... INTO OUTFILE`), which the library's own
    /// statements never meet. With several ``MariaDBConfiguration/hosts`` such a host is
    /// avoided like one that failed; ``isUnavailable`` is true (on another host, or after the
    /// failover, the statement may succeed).
    public var isReadOnly: Bool { errno == Self.optionPreventsStatement }

    /// `ER_TRANSACTION_ROLLBACK_DURING_COMMIT` (3101, MySQL 5.7.6+): "Plugin instructed the
    /// server to rollback the current transaction", what MySQL Group Replication answers when
    /// the transaction failed the group's certification (a conflicting write on another
    /// member). The transaction was rolled back whole; ``isConflict`` is true.
    public var isCertificationFailure: Bool { errno == Self.transactionRollbackDuringCommit }

    /// A deadlock, a lock wait timeout, a Galera node not yet ready or a lost conflict
    /// (``isConflict``): running the transaction again may succeed.
    public var isTransient: Bool { isDeadlock || isLockWaitTimeout || isNodeNotReady || isConflict }

    /// The transaction lost a conflict and was rolled back: a deadlock or Galera certification
    /// failure (1213), a Group Replication certification failure (3101,
    /// ``isCertificationFailure``), or a fetch that failed with no error number at all, which
    /// is how a Galera node's replicated write aborting a local `SELECT ... FOR UPDATE`
    /// mid-result arrives (the connection is then dropped, its state being unknown).
    public var isConflict: Bool { isDeadlock || isCertificationFailure || isAbortedFetch }

    /// A fetch that failed with no error number (see ``isConflict``).
    public var isAbortedFetch: Bool { kind == .fetch && errno == 0 }

    /// A statement too large for the server: refused before sending (``Kind/valueTooLarge``), or
    /// `ER_NET_PACKET_TOO_LARGE` (1153) from the server.
    public var isValueTooLarge: Bool { kind == .valueTooLarge || errno == UInt32(ER_NET_PACKET_TOO_LARGE) }

    /// The pool had no connection free within its acquire timeout.
    public var isPoolTimeout: Bool { kind == .poolTimeout }

    /// A connect failure, a pool timeout, a node not prepared (1047) or a server that refuses
    /// writes (1290, ``isReadOnly``): trying again later (on another host) may succeed.
    public var isUnavailable: Bool { isConnectFailure || isPoolTimeout || isNodeNotReady || isReadOnly }

    /// Whether `error` is a ``MariaDBError`` with the error number `errno`; handy in a `catch`
    /// clause's `where`: `catch where MariaDBError.matches(error, errno: 1062)`.
    public static func matches(_ error: any Error, errno: UInt32) -> Bool {
        (error as? MariaDBError)?.errno == errno
    }

    /// 1290, in MariaDB's and MySQL's headers alike.
    static let optionPreventsStatement = UInt32(ER_OPTION_PREVENTS_STATEMENT)
    /// 3101: MySQL's number, absent from MariaDB's headers (MariaDB has no Group Replication).
    static let transactionRollbackDuringCommit: UInt32 = 3101

    static let connectionLostCodes: Set<UInt32> = [
        UInt32(CR_SERVER_GONE_ERROR), UInt32(CR_SERVER_LOST), UInt32(CR_SERVER_LOST_EXTENDED),
        UInt32(CR_COMMANDS_OUT_OF_SYNC), UInt32(CR_SSL_CONNECTION_ERROR),
        UInt32(ER_SERVER_SHUTDOWN), UInt32(ER_CONNECTION_KILLED), UInt32(ER_NET_PACKET_TOO_LARGE),
    ]

    /// `"MariaDB execute error 1062 (23000): Duplicate entry ..."`.
    public var description: String {
        if errno == 0 { return "MariaDB \(kind.rawValue) error: \(message)" }
        return "MariaDB \(kind.rawValue) error \(errno) (\(sqlState)): \(message)"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }
}

extension MariaDBError {
    /// The connection's last error.
    static func from(_ handle: UnsafeMutablePointer<MYSQL>, kind: Kind, context: String? = nil) -> MariaDBError {
        let code = mysql_errno(handle)
        let state = String(cString: mysql_sqlstate(handle))
        let text = String(cString: mysql_error(handle))
        return MariaDBError(
            kind: kind, errno: code, sqlState: state,
            message: context.map { "\($0): \(text)" } ?? text
        )
    }

    /// The statement's last error; when the statement has none, its connection's. Connector/C
    /// keeps some errors on the connection only: a lost connection while fetching unbuffered
    /// rows leaves the statement's errno at 0.
    static func from(statement: UnsafeMutablePointer<MYSQL_STMT>, kind: Kind) -> MariaDBError {
        if mysql_stmt_errno(statement) == 0, let connection = statement.pointee.mysql, mysql_errno(connection) != 0 {
            return from(connection, kind: kind)
        }
        return MariaDBError(
            kind: kind, errno: mysql_stmt_errno(statement),
            sqlState: String(cString: mysql_stmt_sqlstate(statement)),
            message: String(cString: mysql_stmt_error(statement))
        )
    }
}
