import DequeModule
import Logging
import Synchronization

/// A bounded pool of connections, opened lazily up to ``ConnectionPoolConfiguration/maximum``
/// (or handed over already open), that both backends share.
///
/// When every connection is busy, ``acquire(deadline:)`` waits, first come first served and
/// without blocking a thread, for up to ``ConnectionPoolConfiguration/acquireTimeout`` (or a
/// caller's own deadline). A cancelled waiter leaves the queue and throws `CancellationError`.
/// Deadlines are kept by one sweeper task per pool, sleeping until the earliest one, not a timer
/// task per waiter: under contention every acquire may wait, and a cancelled sleep keeps its
/// timer until the deadline would have passed.
///
/// ``release(_:)`` returns a connection. One that lost its link or came back inside a
/// transaction (``PoolableConnection/unusableReason``) is closed and dropped, never handed out
/// again; its slot goes to the next acquirer, which opens a fresh connection.
///
/// A lost link (a connection released with ``PoolDropReason/linkLost``, or a failed open) starts
/// a new generation: each connection that was idle before it is checked
/// (``PoolableConnection/isAlive()``) before it is handed out, and dropped when the check fails.
/// A server restart, which kills every idle connection at once, then costs one failed statement
/// rather than one per idle connection.
///
/// The state sits behind a `Mutex`: taking an idle connection and releasing one are a lock and
/// an array operation, with no actor hop.
package final class ConnectionPool<Connection: PoolableConnection>: Sendable {
    private typealias Waiter = PoolWaiter<Connection>
    private typealias Grant = PoolGrant<Connection>
    private typealias State = PoolState<Connection>

    private enum ReleaseStep {
        case idle
        case hand(Waiter)
        case drop(Waiter?, State.Drained?)
        case returned(State.Drained?)
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
        self.state = Mutex(State(idle: initial.reversed(), open: initial.count))
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
    /// - Parameter deadline: when to give up waiting, if earlier than the configured acquire
    ///   timeout.
    /// - Throws: what opening a connection throws, the backend's error for
    ///   ``ConnectionPoolFailure`` (timed out, shut down), or `CancellationError`.
    package func acquire(deadline: ContinuousClock.Instant? = nil) async throws -> Connection {
        while true {
            switch try await take(deadline: deadline) {
            case .openSlot:
                return try await open()
            case .connection(let connection, suspect: false):
                return connection
            case .connection(let connection, suspect: true):
                if await connection.isAlive() { return connection }
                discard(connection, reason: .linkLost)
            }
        }
    }

    /// Runs `body` with a connection taken with ``acquire(deadline:)`` and released when it
    /// returns or throws.
    package func withConnection<T>(
        deadline: ContinuousClock.Instant? = nil, _ body: (Connection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire(deadline: deadline)
        defer { release(connection) }
        return try await body(connection)
    }

    /// An idle connection, a free slot, or (after waiting) what a release hands over.
    private func take(deadline: ContinuousClock.Instant?) async throws -> Grant {
        let maximum = configuration.maximum
        let grant: Grant? = try state.withLock { s in
            if s.closed { throw makeError(.closed) }
            if let (connection, suspect) = s.takeIdle() { return .connection(connection, suspect: suspect) }
            if s.open < maximum { s.takeSlot(); return .openSlot }
            return nil
        }
        if let grant { return grant }
        return try await waitForGrant(deadline: deadline)
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

    /// Frees the slot of a connection that failed to open (a lost link, perhaps: the idle
    /// connections are checked before use); the first waiter gets it.
    private func giveUpSlot() {
        let (waiter, drained) = state.withLock { s in
            s.generation += 1
            let drained = s.freeSlot()
            return (s.waiterForFreedSlot(), drained)
        }
        waiter?.continuation.resume(returning: .openSlot)
        drained.map { $0.continuation.resume(returning: $0.returned) }
    }

    /// Closes a connection that failed its check and frees its slot; the first waiter gets it.
    private func discard(_ connection: Connection, reason: PoolDropReason) {
        let (waiter, drained) = state.withLock { s in
            let drained = s.freeSlot()
            return (s.waiterForFreedSlot(), drained)
        }
        logger.debug("dropping a connection", metadata: metadata(connection, reason: reason))
        connection.closeInBackground()
        waiter?.continuation.resume(returning: .openSlot)
        drained.map { $0.continuation.resume(returning: $0.returned) }
    }

    /// Queues for the next connection or free slot, until the earlier of `deadline` and the
    /// configured acquire timeout.
    private func waitForGrant(deadline callerDeadline: ContinuousClock.Instant?) async throws -> Grant {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        let maximum = configuration.maximum
        let timeout = configuration.acquireTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                var sweeper: (epoch: UInt64, wake: ContinuousClock.Instant)?
                let immediate: Result<Grant, any Error>? = state.withLock { s in
                    if s.closed { return .failure(makeError(.closed)) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let (connection, suspect) = s.takeIdle() { return .success(.connection(connection, suspect: suspect)) }
                    if s.open < maximum { s.takeSlot(); return .success(.openSlot) }
                    // Taken under the lock, configured deadlines stay in arrival order.
                    let now = ContinuousClock.now
                    let deadline = [timeout.map { now + $0 }, callerDeadline].compactMap { $0 }.min()
                    if let deadline, deadline <= now {
                        return .failure(makeError(.timedOut(after: timeout ?? .zero, maximum: maximum)))
                    }
                    sweeper = s.enqueue(Waiter(id: id, deadline: deadline, waitingSince: now, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
                if let sweeper {
                    Task.detached { [weak self] in await self?.sweep(epoch: sweeper.epoch, wake: sweeper.wake) }
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { s in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Times out waiters whose deadline has passed; ends when no one waits with a deadline, or
    /// when a sweeper that wakes earlier has taken over.
    private func sweep(epoch: UInt64, wake first: ContinuousClock.Instant) async {
        var wake = first
        while true {
            try? await Task.sleep(until: wake, clock: .continuous)
            guard let (expired, next) = state.withLock({ $0.expire(now: .now, epoch: epoch) }) else { return }
            for waiter in expired {
                let waited = (waiter.deadline ?? waiter.waitingSince) - waiter.waitingSince
                waiter.continuation.resume(throwing: makeError(.timedOut(after: waited, maximum: configuration.maximum)))
            }
            guard let next else { return }
            wake = next
        }
    }

    /// Returns a connection taken with ``acquire(deadline:)``: to the longest waiter, or to the
    /// idle ones. A connection that must not be reused is closed instead and its slot freed.
    package func release(_ connection: Connection) {
        let reason = connection.unusableReason
        let step: ReleaseStep = state.withLock { s in
            if reason == .linkLost { s.generation += 1 }
            if s.closed, s.drain != nil {
                s.drain!.returned.append(connection)
                return .returned(s.freeSlot())
            }
            if reason != nil || s.closed {
                let drained = s.freeSlot()
                return .drop(s.waiterForFreedSlot(), drained)
            }
            if let waiter = s.waiters.popFirst() { return .hand(waiter) }
            s.keepIdle(connection)
            return .idle
        }
        switch step {
        case .idle: break
        case .hand(let waiter): waiter.continuation.resume(returning: .connection(connection, suspect: false))
        case .drop(let waiter, let drained):
            if let reason { logger.debug("dropping a connection", metadata: metadata(connection, reason: reason)) }
            connection.closeInBackground()
            waiter?.continuation.resume(returning: .openSlot)
            drained.map { $0.continuation.resume(returning: $0.returned) }
        case .returned(let drained):
            drained.map { $0.continuation.resume(returning: $0.returned) }
        }
    }

    /// Closes every idle connection that `matches` (those to a server known to be down, say)
    /// and frees their slots for the waiters. Connections in use are not touched. Returns how
    /// many were dropped.
    @discardableResult
    package func dropIdle(reason: PoolDropReason, where matches: (Connection) -> Bool) -> Int {
        let (dropped, waiters, drained): ([Connection], [Waiter], State.Drained?) = state.withLock { s in
            var dropped: [Connection] = []
            var kept: [State.Idle] = []
            for entry in s.idle {
                if matches(entry.connection) { dropped.append(entry.connection) } else { kept.append(entry) }
            }
            guard !dropped.isEmpty else { return ([], [], nil) }
            s.idle = kept
            var waiters: [Waiter] = []
            var drained: State.Drained?
            for _ in dropped {
                if let d = s.freeSlot() { drained = d }
                if let w = s.waiterForFreedSlot() { waiters.append(w) }
            }
            return (dropped, waiters, drained)
        }
        for connection in dropped {
            logger.debug("dropping an idle connection", metadata: metadata(connection, reason: reason))
            connection.closeInBackground()
        }
        for waiter in waiters { waiter.continuation.resume(returning: .openSlot) }
        drained.map { $0.continuation.resume(returning: $0.returned) }
        return dropped.count
    }

    /// Refuses new acquisitions, fails the waiters with ``ConnectionPoolFailure/closed`` and
    /// closes the idle connections. With `waitingForConnectionsInUse`, it then waits until every
    /// connection in use is back and closes those too; without, each is closed as it comes
    /// back. A second call returns at once.
    package func shutdown(waitingForConnectionsInUse wait: Bool) async {
        let taken: (idle: [Connection], waiters: [Waiter])? = state.withLock { s in
            guard !s.closed else { return nil }
            s.closed = true
            let taken = (s.idle.map(\.connection), Array(s.waiters))
            s.open -= s.idle.count
            s.idle = []
            s.waiters = []
            if wait { s.drain = PoolDrain() }
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
