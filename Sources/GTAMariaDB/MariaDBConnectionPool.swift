import GTABackendKit
import Logging
import Synchronization

/// A bounded pool of ``MariaDBConnection``s, opened lazily up to
/// ``MariaDBConfiguration/maximumConnections``.
///
/// When every connection is busy, ``acquire()`` waits (first come, first served, without
/// blocking a thread) for up to ``MariaDBConfiguration/acquireTimeout`` and then throws a
/// ``MariaDBError`` of kind ``MariaDBError/Kind/poolTimeout``. A cancelled waiter leaves the
/// queue and throws `CancellationError`.
///
/// ``release(_:)`` returns a connection. One that lost its server connection or is still inside
/// a transaction is closed and dropped, never handed out again; its slot goes to the next
/// acquirer, which opens a fresh connection.
///
/// It is the backends' shared pool (one sweeper task per pool keeps the acquire deadlines; the
/// state sits behind a `Mutex`, so acquiring an idle connection is a lock and an array
/// operation) with MariaDB's connections and errors.
public final class MariaDBConnectionPool: Sendable {
    /// A snapshot of the pool's counters.
    public struct Statistics: Sendable, Hashable {
        /// Connections open now (idle and in use, including ones being opened).
        public var open: Int
        /// Connections idle in the pool.
        public var idle: Int
        /// Acquirers waiting for a connection.
        public var waiting: Int
        /// The most connections that were ever open at once.
        public var peakOpen: Int
        /// The configured maximum.
        public var maximum: Int
    }

    /// The settings every connection is opened with.
    public let configuration: MariaDBConfiguration
    /// The shared pool, or why the configuration cannot make one.
    private let pool: Result<ConnectionPool<MariaDBConnection>, MariaDBError>
    /// With several hosts: which one new connections go to.
    let selector: MariaDBHostSelector?

    /// Creates an empty pool; no connection is opened until the first ``acquire()``. A
    /// configuration that ``MariaDBConfiguration/validate()`` refuses makes every ``acquire()``
    /// throw that error.
    public convenience init(configuration: MariaDBConfiguration, logger: Logging.Logger = Logging.Logger(label: "gta.mariadb")) {
        self.init(configuration: configuration, logger: logger, onConnect: { _ in })
    }

    /// `onConnect` sees every connection opened, before it is used.
    init(
        configuration: MariaDBConfiguration, logger: Logging.Logger,
        onConnect: @escaping @Sendable (MariaDBConnection) -> Void
    ) {
        self.configuration = configuration
        let selector = configuration.hosts.count > 1 && configuration.unixSocket == nil
            ? MariaDBHostSelector(hosts: configuration.hosts, backoff: configuration.hostBackoff, policy: configuration.hostPolicy)
            : nil
        self.selector = selector
        do {
            try configuration.validate()
        } catch {
            pool = .failure(error)
            return
        }
        let failed = FailedHosts()
        let endpoint = configuration.endpoint
        pool = .success(ConnectionPool(
            configuration: ConnectionPoolConfiguration(
                name: "MariaDB \(endpoint)", maximum: configuration.maximumConnections,
                acquireTimeout: configuration.acquireTimeout
            ),
            logger: logger,
            makeError: { failure in
                switch failure {
                case .closed:
                    return MariaDBError(kind: .poolClosed, message: "the connection pool for \(endpoint) has been shut down")
                case .timedOut(let after, let maximum):
                    return MariaDBError(
                        kind: .poolTimeout,
                        message: "no connection to \(endpoint) became free within \(after) (all \(maximum) in use)"
                    )
                }
            },
            open: {
                guard let selector else {
                    let connection = try await MariaDBConnection.connect(configuration: configuration)
                    onConnect(connection)
                    return connection
                }
                var last: (any Error)?
                for index in selector.order() {
                    var one = configuration
                    one.hosts = [selector.hosts[index]]
                    one.waitsForCausality = selector.policy == .spread
                    do {
                        let connection = try await MariaDBConnection.connect(configuration: one)
                        selector.succeeded(index)
                        failed.connected(index)
                        onConnect(connection)
                        return connection
                    } catch where MariaDBHostSelector.meansHostFailed(error) {
                        selector.failed(index)
                        failed.add(index)
                        last = error
                    }
                }
                throw last!
            }
        ))
        failed.pool = self
    }

    /// Reaches the pool from its own open closure (made before the pool exists), weakly.
    private final class FailedHosts: Sendable {
        private struct Weak: Sendable {
            weak var pool: MariaDBConnectionPool?
        }
        private let owner = Mutex(Weak())
        var pool: MariaDBConnectionPool? {
            get { owner.withLock { $0.pool } }
            set { owner.withLock { $0.pool = newValue } }
        }
        /// A connect to the host at `index` failed: drop the idle connections to it.
        func add(_ index: Int) {
            pool?.dropIdle(to: [index], reason: .serverFailed)
        }
        /// A connection to the host at `index` opened: with the `primary` policy, drop the
        /// idle connections to the hosts after it.
        func connected(_ index: Int) {
            guard let pool, let selector = pool.selector else { return }
            pool.dropIdle(to: selector.laterHosts(than: index), reason: .notPreferred)
        }
    }

    /// Closes every idle connection to the hosts at `indexes`.
    private func dropIdle(to indexes: Set<Int>, reason: PoolDropReason) {
        guard let selector, !indexes.isEmpty, let pool = try? pool.get() else { return }
        pool.dropIdle(reason: reason) { connection in
            selector.index(of: connection).map(indexes.contains) ?? false
        }
    }

    /// A statement on `connection` failed with `error`: with several hosts, a host that is down
    /// or not ready is avoided and its idle connections dropped (and this one too, at release).
    private func noteFailure(_ error: any Error, on connection: MariaDBConnection) {
        guard let selector, MariaDBHostSelector.meansHostFailed(error), let index = selector.index(of: connection) else { return }
        connection.markBroken()
        selector.failed(index)
        dropIdle(to: [index], reason: .serverFailed)
    }

    /// With the `primary` policy: a connection to a later host than one that may take it now is
    /// closed at release (``MariaDBHostSelector/shouldRetire(_:now:)``).
    private func retireIfNotPreferred(_ connection: MariaDBConnection) {
        guard let selector, selector.policy == .primary, let index = selector.index(of: connection),
            selector.shouldRetire(index)
        else { return }
        connection.markRetired()
    }

    /// The pool's counters now.
    public var statistics: Statistics {
        guard let s = try? pool.get().statistics else {
            return Statistics(open: 0, idle: 0, waiting: 0, peakOpen: 0, maximum: configuration.maximumConnections)
        }
        return Statistics(open: s.open, idle: s.idle, waiting: s.waiting, peakOpen: s.peakOpen,
                          maximum: configuration.maximumConnections)
    }

    /// Takes a connection: an idle one, a newly opened one while below the maximum, or the next
    /// one released. Give it back with ``release(_:)``.
    ///
    /// After a connection lost its link, an idle connection is pinged before it is handed out
    /// and dropped when it does not answer.
    /// - Throws: ``MariaDBError`` (connect failure, ``MariaDBError/Kind/poolTimeout``,
    ///   ``MariaDBError/Kind/poolClosed``, ``MariaDBError/Kind/invalidConfiguration``) or
    ///   `CancellationError`.
    public func acquire() async throws -> MariaDBConnection {
        try await pool.get().acquire()
    }

    /// Returns a connection taken with ``acquire()``. A broken connection, or one still inside
    /// a transaction, is closed instead of reused.
    public func release(_ connection: MariaDBConnection) {
        retireIfNotPreferred(connection)
        try? pool.get().release(connection)
    }

    /// Runs `body` with a pooled connection, released when `body` returns or throws.
    func withConnection<T>(_ body: (MariaDBConnection) async throws -> T) async throws -> T {
        try await pool.get().withConnection { connection in
            do {
                defer { retireIfNotPreferred(connection) }
                return try await body(connection)
            } catch {
                noteFailure(error, on: connection)
                throw error
            }
        }
    }

    /// Closes the idle connections and fails waiting and later acquires with
    /// ``MariaDBError/Kind/poolClosed``. Connections in use are closed when released.
    public func shutdown() async {
        await (try? pool.get())?.shutdown(waitingForConnectionsInUse: false)
    }
}
