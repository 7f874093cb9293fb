import DequeModule

/// What a waiting acquirer of a ``ConnectionPool`` is given.
enum PoolGrant<Connection: PoolableConnection>: Sendable {
    /// A connection; `suspect` when it sat idle across a lost link and must be checked first.
    case connection(Connection, suspect: Bool)
    /// A free slot: the acquirer opens a connection in it.
    case openSlot
}

/// An acquirer waiting in a ``ConnectionPool``.
struct PoolWaiter<Connection: PoolableConnection> {
    let id: UInt64
    /// When it gives up, or `nil` to wait for as long as it takes.
    let deadline: ContinuousClock.Instant?
    let waitingSince: ContinuousClock.Instant
    let continuation: CheckedContinuation<PoolGrant<Connection>, any Error>
}

/// A shutdown waiting for the connections in use, and what came back so far.
struct PoolDrain<Connection: PoolableConnection> {
    var returned: [Connection] = []
    var continuation: CheckedContinuation<[Connection], Never>?
}

/// The state of a ``ConnectionPool``, always used under its lock.
struct PoolState<Connection: PoolableConnection> {
    /// A waiting shutdown to resume with the connections that came back.
    typealias Drained = (continuation: CheckedContinuation<[Connection], Never>, returned: [Connection])

    /// An idle connection and the pool's generation when it was last known to work.
    struct Idle {
        let connection: Connection
        let generation: UInt64
    }

    var idle: [Idle]
    var open: Int
    var peak: Int
    /// In arrival order (first come, first served).
    var waiters: Deque<PoolWaiter<Connection>> = []
    var nextID: UInt64 = 0
    var closed = false
    var drain: PoolDrain<Connection>?
    /// Counts lost links (a connection released with its link lost, a failed open): an idle
    /// connection from an earlier generation may have lost its link too (a server restart kills
    /// them all) and is checked before it is handed out.
    var generation: UInt64 = 0
    /// When the current sweeper wakes next; `nil` when no sweeper runs.
    var sweeperWake: ContinuousClock.Instant?
    /// Which sweeper is current: one that finds another epoch has been superseded and ends.
    var sweeperEpoch: UInt64 = 0

    init(idle: [Connection], open: Int) {
        self.idle = idle.map { Idle(connection: $0, generation: 0) }
        self.open = open
        self.peak = open
    }

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
    mutating func waiterForFreedSlot() -> PoolWaiter<Connection>? {
        guard !closed, let waiter = waiters.popFirst() else { return nil }
        takeSlot()
        return waiter
    }

    /// The most recently released idle connection, and whether it must be checked first.
    mutating func takeIdle() -> (Connection, suspect: Bool)? {
        guard let entry = idle.popLast() else { return nil }
        return (entry.connection, entry.generation < generation)
    }

    mutating func keepIdle(_ connection: Connection) {
        idle.append(Idle(connection: connection, generation: generation))
    }

    /// Queues `waiter`. Returns the epoch and wake-up time of a sweeper to start when no sweeper
    /// would wake in time for the waiter's deadline.
    mutating func enqueue(_ waiter: PoolWaiter<Connection>) -> (epoch: UInt64, wake: ContinuousClock.Instant)? {
        waiters.append(waiter)
        guard let deadline = waiter.deadline else { return nil }
        if let wake = sweeperWake, wake <= deadline { return nil }
        sweeperEpoch += 1
        sweeperWake = deadline
        return (sweeperEpoch, deadline)
    }

    /// Takes out the waiters whose deadline has passed by `now`, and says when the sweeper of
    /// `epoch` should wake next (`nil`: nobody waits with a deadline; it ends). Returns `nil`
    /// when that sweeper has been superseded.
    mutating func expire(now: ContinuousClock.Instant, epoch: UInt64) -> (expired: [PoolWaiter<Connection>], next: ContinuousClock.Instant?)? {
        guard epoch == sweeperEpoch else { return nil }
        var expired: [PoolWaiter<Connection>] = []
        var kept: Deque<PoolWaiter<Connection>> = []
        var next: ContinuousClock.Instant?
        for waiter in waiters {
            guard let deadline = waiter.deadline else {
                kept.append(waiter)
                continue
            }
            if deadline <= now {
                expired.append(waiter)
            } else {
                kept.append(waiter)
                next = min(next ?? deadline, deadline)
            }
        }
        if !expired.isEmpty { waiters = kept }
        sweeperWake = next
        return (expired, next)
    }
}
