import Foundation
import GTA
@testable import GTAMariaDB
import Testing

/// ``MariaDBConfiguration/hostPolicy``: the selector's orders and retirements without a server,
/// then the pool against the test server reached under two names (`127.0.0.1` and `127.1`,
/// the same address written two ways), so that two "hosts" exist without a cluster.
@Suite("Host policy")
struct HostPolicyTests {
    typealias Endpoint = MariaDBConfiguration.Endpoint
    static let three = [Endpoint(host: "a"), Endpoint(host: "b"), Endpoint(host: "c")]

    @Test func urlItemAndDefault() throws {
        #expect(try MariaDBConfiguration(url: "mysql://u@h1,h2/db").hostPolicy == .primary)
        #expect(try MariaDBConfiguration(url: "mysql://u@h1,h2/db?host-policy=spread").hostPolicy == .spread)
        #expect(try MariaDBConfiguration(url: "mysql://u@h1,h2/db?hosts=PRIMARY").hostPolicy == .primary)
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "mysql://u@h1,h2/db?host-policy=random") }
    }

    @Test func spreadTakesTheHealthyHostsInTurn() {
        let selector = MariaDBHostSelector(hosts: Self.three, backoff: .seconds(1), policy: .spread)
        let t0 = ContinuousClock.now
        #expect((0..<3).map { _ in selector.order(now: t0).first! } == [0, 1, 2])
        #expect(selector.order(now: t0) == [0, 1, 2])
        selector.failed(1, now: t0)
        // Host 1 avoided: the others in turn, host 1 last.
        let firsts = (0..<4).map { _ in selector.order(now: t0) }
        #expect(firsts.allSatisfy { $0.last == 1 && $0.count == 3 })
        #expect(Set(firsts.map { $0[0] }) == [0, 2])
        // Spread never closes a connection for its host.
        #expect(!selector.shouldRetire(2, now: t0))
        #expect(selector.laterHosts(than: 0).isEmpty)
    }

    @Test func primaryMovesBackToTheFirstHostOneProbeAtATime() {
        let selector = MariaDBHostSelector(hosts: Self.three, backoff: .seconds(1), policy: .primary)
        let t0 = ContinuousClock.now
        #expect(selector.order(now: t0) == [0, 1, 2])
        #expect(!selector.shouldRetire(0, now: t0))
        // Host 0 refused: connections go to host 1 and stay there while host 0 is avoided.
        selector.failed(0, now: t0)
        #expect(selector.order(now: t0) == [1, 2, 0])
        #expect(!selector.shouldRetire(1, now: t0 + .milliseconds(900)))
        // Its avoidance has run out: one connection is closed so that the next one tries it;
        // the others stay until that try has told.
        let later = t0 + .seconds(1)
        #expect(selector.order(now: later) == [0, 1, 2])
        #expect(selector.shouldRetire(1, now: later))
        #expect(!selector.shouldRetire(1, now: later))
        #expect(!selector.shouldRetire(2, now: later + .milliseconds(500)))
        // The try failed: avoided twice as long, no connection closed meanwhile.
        #expect(selector.failed(0, now: later) == .seconds(2))
        #expect(!selector.shouldRetire(1, now: later + .seconds(1)))
        // It ran out again and the try succeeded: every connection to a later host goes.
        #expect(selector.shouldRetire(1, now: later + .seconds(2)))
        selector.succeeded(0)
        #expect(selector.shouldRetire(1, now: later + .seconds(2)))
        #expect(selector.shouldRetire(2, now: later + .seconds(2)))
        #expect(selector.laterHosts(than: 0) == [1, 2])
        #expect(selector.laterHosts(than: 1) == [2])
        // Host 1 is the best one not avoided: connections to host 2 go, host 1's stay.
        selector.failed(0, now: later + .seconds(3))
        #expect(!selector.shouldRetire(1, now: later + .seconds(3)))
        #expect(selector.shouldRetire(2, now: later + .seconds(3)))
    }

    /// The test server under two names: `127.0.0.1` first, `127.1` second.
    static func twoNames(_ policy: MariaDBConfiguration.HostPolicy) throws -> (MariaDBDatabase, [Endpoint])? {
        let live = try testConfiguration()
        guard live.unixSocket == nil, live.host == "127.0.0.1" else { return nil }
        let names = [live.hosts[0], Endpoint(host: "127.1", port: live.port)]
        let db = try testDatabase {
            $0.hosts = names
            $0.hostPolicy = policy
            $0.hostBackoff = .seconds(2)
            $0.maximumConnections = 3
        }
        return (db, names)
    }

    /// The hosts of `n` connections held at once.
    static func hostsInUse(_ db: MariaDBDatabase, _ n: Int) async throws -> [Endpoint] {
        var held: [MariaDBConnection] = []
        for _ in 0..<n { held.append(try await db.pool.acquire()) }
        defer { for c in held { db.pool.release(c) } }
        return held.map { $0.configuration.hosts[0] }
    }

    /// `n` statements at once, each holding its connection a moment.
    static func busy(_ db: MariaDBDatabase, _ n: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<n { group.addTask { _ = try await db.query("SELECT SLEEP(0.05) AS s") } }
            try await group.waitForAll()
        }
    }

    @Test func primaryComesBackToTheFirstHostAfterTheBackoff() async throws {
        guard let (db, names) = try Self.twoNames(.primary) else { return }
        let selector = try #require(db.pool.selector)
        try await Self.busy(db, 3)
        #expect(try await Self.hostsInUse(db, 3) == Array(repeating: names[0], count: 3))
        // A connection to the first host is lost (it kills itself): that host is avoided for the
        // back-off and the idle connections to it are dropped; new ones go to the second.
        // (Checked at once: the back-off is long enough for a loaded machine to open three
        // connections within it.)
        let killed = await caught { try await db.execute("KILL CONNECTION_ID()") }
        #expect((killed as? MariaDBError)?.isConnectionLost == true)
        #expect(selector.isAvoided(0))
        #expect(try await Self.hostsInUse(db, 3) == Array(repeating: names[1], count: 3))
        // After the back-off the connections come back to the first host.
        try await Task.sleep(for: .milliseconds(2100))
        for _ in 0..<4 { try await Self.busy(db, 3) }
        #expect(try await Self.hostsInUse(db, 3) == Array(repeating: names[0], count: 3))
        await db.shutdown()
    }

    @Test func spreadOpensConnectionsOnEveryHost() async throws {
        guard let (db, names) = try Self.twoNames(.spread) else { return }
        let hosts = try await Self.hostsInUse(db, 3)
        #expect(Set(hosts) == Set(names))
        await db.shutdown()
    }
}
