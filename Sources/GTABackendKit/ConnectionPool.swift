import DequeModule
import Logging
import Synchronization

/// A bounded pool of connections, opened lazily up to ``ConnectionPoolConfiguration/maximum``
/// (or handed over already open), that both backends share.
///
/// When every connection is busy, ``acquire()`` waits, first come first served and without
/// blocking a thread, for up to ``ConnectionPoolConfiguration/acquireTimeout``. A cancelled
/// waiter leaves the queue and throws `CancellationError`. Timeouts are kept by one sweeper task
/// per pool, sleeping until the oldest waiter's deadline, not a timer task per waiter: under
/// contention every acquire may wait, and a cancelled sleep keeps its timer until the deadline
/// would have passed.
///
/// ``release(_:)`` returns a connection. One that lost its link or came back inside a
/// transaction (``PoolableConnection/unusableReason``) is closed and dropped, never handed out
/// again; its slot goes to the next acquirer, which opens a fresh connection.
///
/// The state sits behind a `Mutex`: taking an idle connection and releasing one are a lock and
/// an array operation, with no actor hop.
package final class ConnectionPool<Connection: PoolableConnection>: Sendable {
    private enum Grant: Sendable {
        case connection(Connection)
        case openSlot
    }

    private struct Waiter {
        let id: UInt64
        let deadline: ContinuousClock.Instant?
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private enum AcquireStep {
        case use(Connection), open, wait, closed
    }

    /// A waiting shutdown to resume with the connections that came back.
    private typealias Drained = (continuation: CheckedContinuation<[Connection], Never>, returned: [Connection])

    private enum ReleaseStep {
        case idle
        case hand(Waiter)
        case drop(Waiter?, Drained?)
        case returned(Drained?)
    }

    /// A shutdown that waits for the connections in use.
    private struct Drain {
        var returned: [Connection] = []
        var continuation: CheckedContinuation<[Connection], Never>?
    }

    private struct State {
        var idle: [Connection]
        var open: Int
        var peak: Int
        /// In arrival order; with one timeout for all, also in deadline order.
        var waiters: Deque<Waiter> = []
        var nextID: UInt64 = 0
        var closed = false
        var drain: Drain?
        /// Whether the task that times out waiters is running.
        var sweeping = false

        mutating func takeSlot() {
            open += 1
            peak = max(peak, open)
        }

        /// Frees a slot: while draining, a shutdown waits for the last one.
        mutating func freeSlot() -> Drained? {
            open -= 1
            guard open == 0, let continuation = drain?.continuation, let returned = drain?.returned else { return nil }
            drain = nil
            return (continuation, returned)
        }

        /// The first waiter, given a slot of its own, when there is one and the pool is open.
        mutating func waiterForFreedSlot() -> Waiter? {
            guard !closed, let waiter = waiters.popFirst() else { return nil }
            takeSlot()
            return waiter
        }
    }

    package let configuration: ConnectionPoolConfiguration
    private let openConnection: @Sendable () async throws -> Connection
    private let makeError: @Sendable (ConnectionPoolFailure) -> any Error
    private let logger: Logger
    private let state: Mutex<State>

    /// A pool that opens connections with `open` as they are needed.
    ///
    /// - Parameters:
    ///   - initial: connections already open, handed out first; they count towards the maximum.
    ///   - open: opens a connection, for a free slot.
    ///   - makeError: the backend's error for a failure of the pool itself.
    ///   - logger: receives connection open and drop events at debug level.
    package init(
        configuration: ConnectionPoolConfiguration,
        initial: [Connection] = [],
        logger: Logger,
        makeError: @escaping @Sendable (ConnectionPoolFailure) -> any Error,
        open: @escaping @Sendable () async throws -> Connection
    ) {
        precondition(configuration.maximum >= 1 && initial.count <= configuration.maximum)
        self.configuration = configuration
        self.openConnection = open
        self.makeError = makeError
        self.logger = logger
        // The first initial connection is the first handed out.
        self.state = Mutex(State(idle: initial.reversed(), open: initial.count, peak: initial.count))
    }

    /// The pool's counters now.
    package var statistics: ConnectionPoolStatistics {
        state.withLock {
            ConnectionPoolStatistics(
                open: $0.open, idle: $0.idle.count, waiting: $0.waiters.count, peakOpen: $0.peak,
                maximum: configuration.maximum
            )
        }
    }

    /// Takes a connection: an idle one, a newly opened one while below the maximum, or the next
    /// one released. Give it back with ``release(_:)``.
    /// - Throws: what opening a connection throws, the backend's error for
    ///   ``ConnectionPoolFailure`` (timed out, shut down), or `CancellationError`.
    package func acquire() async throws -> Connection {
        let maximum = configuration.maximum
        let step: AcquireStep = state.withLock { s in
            if s.closed { return .closed }
            if let c = s.idle.popLast() { return .use(c) }
            if s.open < maximum { s.takeSlot(); return .open }
            return .wait
        }
        switch step {
        case .use(let connection): return connection
        case .open: return try await open()
        case .closed: throw makeError(.closed)
        case .wait:
            switch try await waitForGrant() {
            case .connection(let connection): return connection
            case .openSlot: return try await open()
            }
        }
    }

    /// Runs `body` with a connection taken with ``acquire()`` and released when it returns or
    /// throws.
    package func withConnection<T>(_ body: (Connection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        defer { release(connection) }
        return try await body(connection)
    }

    /// Opens a connection for a slot already taken; gives the slot up when that fails.
    private func open() async throws -> Connection {
        do {
            let connection = try await openConnection()
            logger.debug("opened a connection", metadata: metadata(connection))
            return connection
        } catch {
            giveUpSlot()
            throw error
        }
    }

    private func metadata(_ connection: Connection, reason: PoolDropReason? = nil) -> Logger.Metadata {
        var metadata = connection.logMetadata
        metadata["pool"] = "\(configuration.name)"
        if let reason { metadata["reason"] = "\(reason.rawValue)" }
        return metadata
    }

    /// Frees a slot (a connection that failed to open); the first waiter gets it.
    private func giveUpSlot() {
        let (waiter, drained) = state.withLock { s in
            let drained = s.freeSlot()
            return (s.waiterForFreedSlot(), drained)
        }
        waiter?.continuation.resume(returning: .openSlot)
        drained.map { $0.continuation.resume(returning: $0.returned) }
    }

    /// Queues for the next connection or free slot.
    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        let maximum = configuration.maximum
        let timeout = configuration.acquireTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                var startSweeper = false
                let immediate: Result<Grant, any Error>? = state.withLock { s in
                    if s.closed { return .failure(makeError(.closed)) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let c = s.idle.popLast() { return .success(.connection(c)) }
                    if s.open < maximum { s.takeSlot(); return .success(.openSlot) }
                    // The deadline is taken under the lock, so the queue stays in deadline order.
                    let deadline = timeout.map { ContinuousClock.now + $0 }
                    s.waiters.append(Waiter(id: id, deadline: deadline, continuation: continuation))
                    if deadline != nil, !s.sweeping {
                        s.sweeping = true
                        startSweeper = true
                    }
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
                if startSweeper { Task.detached { [weak self] in await self?.sweep() } }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { s in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Times out waiters whose deadline has passed, oldest first; ends when no one waits.
    private func sweep() async {
        let failure = ConnectionPoolFailure.timedOut(after: configuration.acquireTimeout ?? .zero, maximum: configuration.maximum)
        while true {
            let now = ContinuousClock.now
            let (expired, next): ([Waiter], ContinuousClock.Instant?) = state.withLock { s in
                var expired: [Waiter] = []
                while let first = s.waiters.first, let deadline = first.deadline, deadline <= now {
                    expired.append(s.waiters.removeFirst())
                }
                let next = s.waiters.first?.deadline
                if next == nil { s.sweeping = false }
                return (expired, next)
            }
            for waiter in expired { waiter.continuation.resume(throwing: makeError(failure)) }
            guard let next else { return }
            try? await Task.sleep(until: next, clock: .continuous)
        }
    }

    /// Returns a connection taken with ``acquire()``: to the longest waiter, or to the idle
    /// ones. A connection that must not be reused is closed instead and its slot freed.
    package func release(_ connection: Connection) {
        let reason = connection.unusableReason
        let after: ReleaseStep = state.withLock { s in
            if s.closed, s.drain != nil {
                s.drain!.returned.append(connection)
                return .returned(s.freeSlot())
            }
            if reason != nil || s.closed {
                let drained = s.freeSlot()
                return .drop(s.waiterForFreedSlot(), drained)
            }
            if let waiter = s.waiters.popFirst() { return .hand(waiter) }
            s.idle.append(connection)
            return .idle
        }
        switch after {
        case .idle: break
        case .hand(let waiter): waiter.continuation.resume(returning: .connection(connection))
        case .drop(let waiter, let drained):
            if let reason { logger.debug("dropping a connection", metadata: metadata(connection, reason: reason)) }
            connection.closeInBackground()
            waiter?.continuation.resume(returning: .openSlot)
            drained.map { $0.continuation.resume(returning: $0.returned) }
        case .returned(let drained):
            drained.map { $0.continuation.resume(returning: $0.returned) }
        }
    }

    /// Refuses new acquisitions, fails the waiters with ``ConnectionPoolFailure/closed`` and
    /// closes the idle connections. With `waitingForConnectionsInUse`, it then waits until every
    /// connection in use is back and closes those too; without, each is closed as it comes
    /// back. A second call returns at once.
    package func shutdown(waitingForConnectionsInUse wait: Bool) async {
        let taken: (idle: [Connection], waiters: Deque<Waiter>)? = state.withLock { s in
            guard !s.closed else { return nil }
            s.closed = true
            let taken = (s.idle, s.waiters)
            s.open -= s.idle.count
            s.idle = []
            s.waiters = []
            if wait { s.drain = Drain() }
            return taken
        }
        guard let taken else { return }
        for waiter in taken.waiters { waiter.continuation.resume(throwing: makeError(.closed)) }
        for connection in taken.idle { await connection.close() }
        guard wait else { return }
        let returned = await withCheckedContinuation { (continuation: CheckedContinuation<[Connection], Never>) in
            let done: [Connection]? = state.withLock { s in
                guard s.open > 0 else {
                    defer { s.drain = nil }
                    return s.drain?.returned ?? []
                }
                s.drain?.continuation = continuation
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
        for connection in returned { await connection.close() }
    }
}
