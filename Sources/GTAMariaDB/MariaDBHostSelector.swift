import GTABackendKit
import Synchronization

/// Which of a configuration's ``MariaDBConfiguration/hosts`` a new connection goes to: the
/// first in order that is not being avoided. A host that failed is avoided for
/// ``MariaDBConfiguration/hostBackoff``, doubled at each failure in a row (at most 30 s); a
/// connection opened to it ends the avoidance. When every host is avoided, all are tried in
/// order all the same (the one whose avoidance ends first first).
final class MariaDBHostSelector: Sendable {
    /// The longest a failed host is avoided.
    static let maximumBackoff: Duration = .seconds(30)

    private struct Health {
        var failures = 0
        var avoidUntil: ContinuousClock.Instant?
    }

    let hosts: [MariaDBConfiguration.Endpoint]
    let backoff: Duration
    private let health: Mutex<[Health]>

    init(hosts: [MariaDBConfiguration.Endpoint], backoff: Duration) {
        self.hosts = hosts
        self.backoff = backoff
        self.health = Mutex(Array(repeating: Health(), count: hosts.count))
    }

    /// The hosts' indexes in the order to try them now.
    func order(now: ContinuousClock.Instant = .now) -> [Int] {
        health.withLock { health in
            let healthy = health.indices.filter { (health[$0].avoidUntil.map { $0 <= now }) ?? true }
            let avoided = health.indices.filter { !healthy.contains($0) }
                .sorted { health[$0].avoidUntil! < health[$1].avoidUntil! }
            return healthy + avoided
        }
    }

    /// Whether `index` is being avoided now.
    func isAvoided(_ index: Int, now: ContinuousClock.Instant = .now) -> Bool {
        health.withLock { ($0[index].avoidUntil.map { $0 > now }) ?? false }
    }

    /// Avoids a host for the back-off, doubled at each failure in a row; returns how long.
    @discardableResult
    func failed(_ index: Int, now: ContinuousClock.Instant = .now) -> Duration {
        health.withLock { health in
            // Failures seen while it is already avoided (other connections meeting the same
            // outage) do not lengthen the avoidance.
            if let until = health[index].avoidUntil, until > now { return until - now }
            health[index].failures += 1
            var delay = backoff
            for _ in 1..<min(health[index].failures, 16) { delay = min(delay * 2, Self.maximumBackoff) }
            delay = min(delay, Self.maximumBackoff)
            health[index].avoidUntil = now + delay
            return delay
        }
    }

    /// A connection to the host was opened: it is healthy again.
    func succeeded(_ index: Int) {
        health.withLock { $0[index] = Health() }
    }

    /// The index of the host a connection was opened to.
    func index(of connection: MariaDBConnection) -> Int? {
        let configuration = connection.configuration
        return hosts.firstIndex(of: configuration.hosts[0])
    }

    /// Whether `error` means the host is down or not ready: a connect failure, a lost connection
    /// (not one closed for a too-large packet), or a Galera node not ready (1047).
    static func meansHostFailed(_ error: any Error) -> Bool {
        guard let error = error as? MariaDBError else { return false }
        if error.isValueTooLarge { return false }
        return error.isConnectFailure || error.isConnectionLost || error.isNodeNotReady
    }
}
