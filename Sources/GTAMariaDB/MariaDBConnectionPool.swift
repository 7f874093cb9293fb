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
/// The state sits behind a `Mutex`: acquiring an idle connection and releasing one are a lock
/// and an array operation, with no actor hop.
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

    private enum Grant: Sendable {
        case connection(MariaDBConnection)
        case openSlot
    }

    private struct Waiter {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct State {
        var idle: [MariaDBConnection] = []
        var open = 0
        var peak = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var closed = false
        /// Whether the task that times out waiters is running.
        var sweeping = false

        mutating func takeSlot() {
            open += 1
            peak = max(peak, open)
        }
    }

    /// The settings every connection is opened with.
    public let configuration: MariaDBConfiguration
    private let logger: Logging.Logger
    private let state = Mutex(State())

    /// Creates an empty pool; no connection is opened until the first ``acquire()``.
    public init(configuration: MariaDBConfiguration, logger: Logging.Logger = Logging.Logger(label: "gta.mariadb")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The pool's counters now.
    public var statistics: Statistics {
        state.withLock {
            Statistics(open: $0.open, idle: $0.idle.count, waiting: $0.waiters.count, peakOpen: $0.peak,
                       maximum: configuration.maximumConnections)
        }
    }

    private var maximum: Int { max(1, configuration.maximumConnections) }

    private func closedError() -> MariaDBError {
        MariaDBError(kind: .poolClosed, message: "the connection pool for \(configuration.endpoint) has been shut down")
    }

    /// Takes a connection: an idle one, a newly opened one while below the maximum, or the next
    /// one released. Give it back with ``release(_:)``.
    /// - Throws: ``MariaDBError`` (connect failure, ``MariaDBError/Kind/poolTimeout``,
    ///   ``MariaDBError/Kind/poolClosed``) or `CancellationError`.
    public func acquire() async throws -> MariaDBConnection {
        enum Step { case use(MariaDBConnection), open, wait, closed }
        let maximum = self.maximum
        let step: Step = state.withLock { s in
            if s.closed { return .closed }
            if let c = s.idle.popLast() { return .use(c) }
            if s.open < maximum { s.takeSlot(); return .open }
            return .wait
        }
        switch step {
        case .use(let connection): return connection
        case .open: return try await openConnection()
        case .closed: throw closedError()
        case .wait:
            switch try await waitForGrant() {
            case .connection(let connection): return connection
            case .openSlot: return try await openConnection()
            }
        }
    }

    private func openConnection() async throws -> MariaDBConnection {
        do {
            let connection = try await MariaDBConnection.connect(configuration: configuration)
            logger.debug("opened MariaDB connection", metadata: ["connection_id": "\(connection.connectionID)"])
            return connection
        } catch {
            giveUpSlot()
            throw error
        }
    }

    /// Frees a slot (a connection that failed to open or was dropped); the first waiter gets it.
    private func giveUpSlot() {
        let waiter: Waiter? = state.withLock { s in
            s.open -= 1
            guard !s.closed, !s.waiters.isEmpty else { return nil }
            s.takeSlot()
            return s.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: .openSlot)
    }

    private func timeoutError() -> MariaDBError {
        MariaDBError(
            kind: .poolTimeout,
            message: "no connection to \(configuration.endpoint) became free within \(configuration.acquireTimeout) (all \(maximum) in use)"
        )
    }

    /// Queues for the next connection or free slot. Timeouts are kept by one sweeper task per
    /// pool (sleeping until the oldest waiter's deadline), not a timer task per waiter: under
    /// contention every acquire may wait, and a cancelled sleep keeps its timer until the
    /// deadline would have passed.
    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        let deadline = ContinuousClock.now + configuration.acquireTimeout
        let maximum = self.maximum
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                var startSweeper = false
                let immediate: Result<Grant, any Error>? = state.withLock { s in
                    if s.closed { return .failure(closedError()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let c = s.idle.popLast() { return .success(.connection(c)) }
                    if s.open < maximum { s.takeSlot(); return .success(.openSlot) }
                    if ContinuousClock.now >= deadline { return .failure(timeoutError()) }
                    s.waiters.append(Waiter(id: id, deadline: deadline, continuation: continuation))
                    if !s.sweeping {
                        s.sweeping = true
                        startSweeper = true
                    }
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
                if startSweeper { Task.detached { [weak self] in await self?.sweep() } }
            }
        } onCancel: {
            self.failWaiter(id, CancellationError())
        }
    }

    /// Times out waiters whose deadline has passed; ends when no one waits.
    private func sweep() async {
        while true {
            let now = ContinuousClock.now
            let (expired, next): ([Waiter], ContinuousClock.Instant?) = state.withLock { s in
                let expired = s.waiters.filter { $0.deadline <= now }
                if !expired.isEmpty { s.waiters.removeAll { $0.deadline <= now } }
                let next = s.waiters.map(\.deadline).min()
                if next == nil { s.sweeping = false }
                return (expired, next)
            }
            for waiter in expired { waiter.continuation.resume(throwing: timeoutError()) }
            guard let next else { return }
            try? await Task.sleep(until: next, clock: .continuous)
        }
    }

    private func failWaiter(_ id: UInt64, _ error: any Error) {
        let waiter: Waiter? = state.withLock { s in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// Returns a connection taken with ``acquire()``. A broken connection, or one still inside
    /// a transaction, is closed instead of reused.
    public func release(_ connection: MariaDBConnection) {
        let drop = connection.isBroken || connection.isInTransaction
        enum After { case none, hand(Waiter, Grant), close(Waiter?) }
        let after: After = state.withLock { s in
            if drop || s.closed {
                s.open -= 1
                if !s.closed, !s.waiters.isEmpty {
                    s.takeSlot()
                    return .close(s.waiters.removeFirst())
                }
                return .close(nil)
            }
            if !s.waiters.isEmpty { return .hand(s.waiters.removeFirst(), .connection(connection)) }
            s.idle.append(connection)
            return .none
        }
        switch after {
        case .none: break
        case .hand(let waiter, let grant): waiter.continuation.resume(returning: grant)
        case .close(let waiter):
            if drop {
                logger.debug(
                    "dropping MariaDB connection",
                    metadata: ["connection_id": "\(connection.connectionID)", "reason": "\(connection.isBroken ? "connection lost" : "transaction still open")"]
                )
            }
            connection.closeInBackground()
            waiter?.continuation.resume(returning: .openSlot)
        }
    }

    /// Closes the idle connections and fails waiting and later acquires with
    /// ``MariaDBError/Kind/poolClosed``. Connections in use are closed when released.
    public func shutdown() async {
        let (idle, waiters): ([MariaDBConnection], [Waiter]) = state.withLock { s in
            s.closed = true
            let taken = (s.idle, s.waiters)
            s.open -= s.idle.count
            s.idle = []
            s.waiters = []
            return taken
        }
        for waiter in waiters { waiter.continuation.resume(throwing: closedError()) }
        for connection in idle { await connection.close() }
    }
}
