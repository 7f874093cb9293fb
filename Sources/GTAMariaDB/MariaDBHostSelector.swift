import GTABackendKit
import Synchronization

/// Which of a configuration's ``MariaDBConfiguration/hosts`` a new connection goes to, under its
/// ``MariaDBConfiguration/hostPolicy``: with `primary` the first in order that is not being
/// avoided, with `spread` the next one that is not, round robin. A host that failed is avoided
/// for ``MariaDBConfiguration/hostBackoff``, doubled at each failure in a row (at most 30 s); a
/// connection opened to it ends the avoidance. When every host is avoided, all are tried in
/// order all the same (the one whose avoidance ends first first).
final class MariaDBHostSelector: Sendable {
    /// The longest a failed host is avoided.
    static let maximumBackoff: Duration = .seconds(30)

    private struct Health {
        var failures = 0
        var avoidUntil: ContinuousClock.Instant?

        func isAvoided(at now: ContinuousClock.Instant) -> Bool { avoidUntil.map { $0 > now } ?? false }
    }

    private struct State {
        var health: [Health]
        /// `spread`: where the next round starts.
        var next = 0
        /// `primary`: until when a connection closed to let a recovering host be tried again
        /// waits for its turn (one at a time).
        var probeUntil: ContinuousClock.Instant?
    }

    let hosts: [MariaDBConfiguration.Endpoint]
    let backoff: Duration
    let policy: MariaDBConfiguration.HostPolicy
    private let state: Mutex<State>

    init(hosts: [MariaDBConfiguration.Endpoint], backoff: Duration, policy: MariaDBConfiguration.HostPolicy = .primary) {
        self.hosts = hosts
        self.backoff = backoff
        self.policy = policy
        self.state = Mutex(State(health: Array(repeating: Health(), count: hosts.count)))
    }

    /// The hosts' indexes in the order to try them now: the hosts not avoided (in list order,
    /// or with `spread` from the next in turn on), then the avoided ones by the soonest end.
    func order(now: ContinuousClock.Instant = .now) -> [Int] {
        state.withLock { s in
            var healthy = s.health.indices.filter { !s.health[$0].isAvoided(at: now) }
            if policy == .spread, !healthy.isEmpty {
                let first = s.next % healthy.count
                healthy = Array(healthy[first...] + healthy[..<first])
                s.next = s.next == Int.max ? 0 : s.next + 1
            }
            let avoided = s.health.indices.filter { s.health[$0].isAvoided(at: now) }
                .sorted { s.health[$0].avoidUntil! < s.health[$1].avoidUntil! }
            return healthy + avoided
        }
    }

    /// Whether `index` is being avoided now.
    func isAvoided(_ index: Int, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { $0.health[index].isAvoided(at: now) }
    }

    /// Avoids a host for the back-off, doubled at each failure in a row; returns how long.
    @discardableResult
    func failed(_ index: Int, now: ContinuousClock.Instant = .now) -> Duration {
        state.withLock { s in
            // Failures seen while it is already avoided (other connections meeting the same
            // outage) do not lengthen the avoidance.
            if let until = s.health[index].avoidUntil, until > now { return until - now }
            s.health[index].failures += 1
            var delay = backoff
            for _ in 1..<min(s.health[index].failures, 16) { delay = min(delay * 2, Self.maximumBackoff) }
            delay = min(delay, Self.maximumBackoff)
            s.health[index].avoidUntil = now + delay
            s.probeUntil = nil
            return delay
        }
    }

    /// A connection to the host was opened: it is healthy again.
    func succeeded(_ index: Int) {
        state.withLock { s in
            if s.health[index].failures > 0 { s.probeUntil = nil }
            s.health[index] = Health()
        }
    }

    /// With `primary`: whether a connection to the host at `index`, being released, should be
    /// closed because an earlier host in the list may take it. Yes when an earlier host is not
    /// avoided and has not failed since it last connected; when it has failed and its avoidance
    /// has run out, yes for one connection at a time (so that one new connection tries it).
    func shouldRetire(_ index: Int, now: ContinuousClock.Instant = .now) -> Bool {
        guard policy == .primary, index > 0 else { return false }
        return state.withLock { s in
            guard let better = s.health[..<index].indices.first(where: { !s.health[$0].isAvoided(at: now) }) else {
                return false
            }
            if s.health[better].failures == 0 { return true }
            if let until = s.probeUntil, until > now { return false }
            s.probeUntil = now + max(backoff, .seconds(1))
            return true
        }
    }

    /// With `primary`: the hosts after `index`, whose connections are to be closed now that one
    /// opened to the host at `index`.
    func laterHosts(than index: Int) -> Set<Int> {
        policy == .primary ? Set(hosts.indices.filter { $0 > index }) : []
    }

    /// The index of the host a connection was opened to.
    func index(of connection: MariaDBConnection) -> Int? {
        let configuration = connection.configuration
        return hosts.firstIndex(of: configuration.hosts[0])
    }

    /// Whether `error` means the host is down, not ready or refusing writes: a connect failure,
    /// a lost connection (not one closed for a too-large packet), a Galera node not ready (1047)
    /// or a read-only server (1290, a Group Replication secondary say).
    static func meansHostFailed(_ error: any Error) -> Bool {
        guard let error = error as? MariaDBError else { return false }
        if error.isValueTooLarge { return false }
        return error.isConnectFailure || error.isConnectionLost || error.isNodeNotReady || error.isReadOnly
    }
}
