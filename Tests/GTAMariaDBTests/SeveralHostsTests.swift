import Foundation
import GTA
@testable import GTAMariaDB
import Testing

@Suite("Several hosts")
struct SeveralHostsTests {
    typealias Endpoint = MariaDBConfiguration.Endpoint

    @Test func urlWithAHostList() throws {
        let c = try MariaDBConfiguration(url: "mysql://u:p@h1:3306,h2:3307,[::1]:3308,h4/db?host-backoff=2.5")
        #expect(c.hosts == [Endpoint(host: "h1", port: 3306), Endpoint(host: "h2", port: 3307),
                            Endpoint(host: "::1", port: 3308), Endpoint(host: "h4", port: 3306)])
        #expect(c.host == "h1" && c.port == 3306)
        #expect(c.hostBackoff == .milliseconds(2500))
        #expect(c.description.hasPrefix("mysql://u:****@h1:3306,h2:3307,[::1]:3308,h4:3306/db"))
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "mysql://u@h1,,h2/db") }
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "mysql://u@h1:1,h2:x/db") }
        #expect(try MariaDBConfiguration(url: "mysql://u@/db").hosts == [Endpoint(host: "127.0.0.1", port: 3306)])
    }

    @Test func firstHealthyHostInOrderWithADoublingBackoff() {
        let selector = MariaDBHostSelector(hosts: [Endpoint(host: "a"), Endpoint(host: "b"), Endpoint(host: "c")], backoff: .seconds(1))
        let t0 = ContinuousClock.now
        #expect(selector.order(now: t0) == [0, 1, 2])
        #expect(selector.failed(0, now: t0) == .seconds(1))
        #expect(selector.order(now: t0) == [1, 2, 0])
        // Failures while avoided do not lengthen it.
        #expect(selector.failed(0, now: t0 + .milliseconds(500)) == .milliseconds(500))
        #expect(selector.order(now: t0 + .seconds(1)) == [0, 1, 2])
        #expect(selector.failed(0, now: t0 + .seconds(1)) == .seconds(2))
        #expect(selector.failed(0, now: t0 + .seconds(3)) == .seconds(4))
        #expect(selector.failed(1, now: t0 + .seconds(3)) == .seconds(1))
        // Every host avoided: all are tried, the one whose avoidance ends first first.
        #expect(selector.failed(2, now: t0 + .seconds(3)) == .seconds(1))
        #expect(selector.order(now: t0 + .seconds(3)) == [1, 2, 0])
        selector.succeeded(0)
        #expect(selector.order(now: t0 + .seconds(3)) == [0, 1, 2])
        for i in 0..<10 { selector.failed(1, now: t0 + .seconds(100 * (i + 1))) }
        #expect(selector.failed(1, now: t0 + .seconds(2000)) == .seconds(30))
    }

    /// Ports nothing listens on (privileged, and no service of ours uses them): a connect is
    /// refused at once.
    static let deadPorts = [1, 9]

    @Test func connectionsGoToTheLiveHostWhenTheFirstRefuses() async throws {
        let live = try testConfiguration()
        guard live.unixSocket == nil else { return }
        let dead = Endpoint(host: "127.0.0.1", port: Self.deadPorts[0])
        let db = try testDatabase { $0.hosts = [dead, live.hosts[0]]; $0.hostBackoff = .seconds(30); $0.maximumConnections = 4 }
        // Four connections at once: each opens on the live host.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try await db.query("SELECT SLEEP(0.2) AS s") }
            }
            try await group.waitForAll()
        }
        #expect(db.pool.statistics.open == 4)
        let port = try #require(try await db.query("SELECT @@port AS p").first?.decode(Int.self, "p"))
        #expect(port == live.port)
        await db.shutdown()
    }

    @Test func everyHostDownGivesTheLastConnectError() async throws {
        let live = try testConfiguration()
        guard live.unixSocket == nil else { return }
        let db = try testDatabase {
            $0.hosts = [Endpoint(host: "127.0.0.1", port: Self.deadPorts[0]), Endpoint(host: "127.0.0.1", port: Self.deadPorts[1])]
        }
        let error = await caught { _ = try await db.query("SELECT 1") }
        let e = try #require(error as? MariaDBError)
        #expect(e.isConnectFailure)
        #expect(e.isUnavailable)
        await db.shutdown()
    }
}
