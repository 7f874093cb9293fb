import Logging

/// What ``ConnectionPool`` needs of a backend's connection.
package protocol PoolableConnection: AnyObject, Sendable {
    /// Why the connection must not be handed out again, or `nil` when it can be. Asked when the
    /// connection is released.
    var unusableReason: PoolDropReason? { get }
    /// Whether the connection still reaches its server (a ping). Asked before handing out a
    /// connection that sat idle while another one lost its link; `false` drops it.
    func isAlive() async -> Bool
    /// Log metadata that names the connection (its server session id, say).
    var logMetadata: Logger.Metadata { get }
    /// Closes the connection and returns when it is closed.
    func close() async
    /// Closes the connection without waiting for it.
    func closeInBackground()
}

/// Why a released connection is dropped instead of reused.
package enum PoolDropReason: String, Sendable, Hashable {
    /// It lost its link to the server: every later statement would fail.
    case linkLost = "connection lost"
    /// It came back inside a transaction: the next caller's statements would join it.
    case inTransaction = "transaction still open"
    /// It is idle and its server has just failed (another connection to it was lost or refused).
    case serverFailed = "its server failed"
    /// A server earlier in the backend's order of preference may take its place.
    case notPreferred = "a preferred server may take it"
}

/// What went wrong in ``ConnectionPool/acquire()`` that is the pool's own doing; the backend
/// turns it into its error type.
package enum ConnectionPoolFailure: Sendable, Hashable {
    /// No connection became free within the acquire timeout (or the caller's deadline), `after`
    /// that long waiting; `maximum` were all in use.
    case timedOut(after: Duration, maximum: Int)
    /// The pool was shut down.
    case closed
}

/// How a ``ConnectionPool`` behaves.
package struct ConnectionPoolConfiguration: Sendable {
    /// What the pool serves, for log lines (`"MariaDB 127.0.0.1:3306"`, `"SQLite writer"`).
    package var name: String
    /// The most connections open at once (opened lazily up to it); at least 1.
    package var maximum: Int
    /// How long an acquirer waits for a connection before failing with
    /// ``ConnectionPoolFailure/timedOut(after:maximum:)``, or `nil` to wait for as long as it takes.
    package var acquireTimeout: Duration?

    package init(name: String, maximum: Int, acquireTimeout: Duration?) {
        self.name = name
        self.maximum = maximum
        self.acquireTimeout = acquireTimeout
    }
}

/// A snapshot of a ``ConnectionPool``'s counters.
package struct ConnectionPoolStatistics: Sendable, Hashable {
    /// Connections open now (idle and in use, including ones being opened).
    package var open: Int
    /// Connections idle in the pool.
    package var idle: Int
    /// Acquirers waiting for a connection.
    package var waiting: Int
    /// The most connections that were ever open at once.
    package var peakOpen: Int
    /// The configured maximum.
    package var maximum: Int
}
