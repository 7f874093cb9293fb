/// What a backend's error says about its cause, so that the task library can react without
/// knowing the backend: retry a deadlock, accept a duplicate key, drop a lost connection.
///
/// A backend's error type conforms; the MariaDB backend's `MariaDBError` does.
public protocol GTADatabaseError: Error, Sendable {
    /// A unique or primary key already holds the value (MySQL 1062).
    var isDuplicateKey: Bool { get }
    /// The transaction was chosen as a deadlock victim and rolled back (MySQL 1213).
    var isDeadlock: Bool { get }
    /// A lock wait timed out (MySQL 1205); only the statement was rolled back.
    var isLockWaitTimeout: Bool { get }
    /// The connection to the server is gone (MySQL client errors 2006, 2013 and friends).
    var isConnectionLost: Bool { get }
    /// Running the transaction again may succeed; by default a deadlock or a lock wait timeout.
    var isTransient: Bool { get }
    /// The server cannot be reached, is not ready or refuses writes now (a connect failure, a
    /// pool without a free connection in time, a cluster node not prepared, a read-only
    /// replica or Group Replication secondary, MySQL 1290): trying again later, perhaps on
    /// another host, may succeed. The default is `false`.
    var isUnavailable: Bool { get }
    /// A statement or value too large for the server or its column, refused whole. The
    /// default is `false`.
    var isValueTooLarge: Bool { get }
    /// The transaction lost a conflict with another and was rolled back whole: a deadlock
    /// victim, or on a Galera cluster a certification failure (both MySQL 1213, at a statement
    /// or at `COMMIT`), or a MySQL Group Replication certification failure (3101). Running the whole transaction again may succeed. The default is
    /// ``isDeadlock``. The library retries its own transactions a few times on it; an
    /// application's ``TaskManager/transaction(_:)`` body that meets one gets the error as it is
    /// (``isTransient`` is true too) and may run the transaction again.
    var isConflict: Bool { get }
}

extension GTADatabaseError {
    public var isUnavailable: Bool { false }
    public var isValueTooLarge: Bool { false }
    public var isConflict: Bool { isDeadlock }

    /// A deadlock or a lock wait timeout: running the transaction again may succeed.
    public var isTransient: Bool { isDeadlock || isLockWaitTimeout }

    /// Transient, a lost connection, or an unavailable server: the same statement may succeed
    /// when tried again (on another connection).
    public var isRetryable: Bool { isTransient || isConnectionLost || isUnavailable }
}

extension Error {
    /// This error as a classified database error, when it is one.
    var asDatabaseError: (any GTADatabaseError)? { self as? any GTADatabaseError }
}
