import CMariaDB
import Foundation
import GTA
import GTAMariaDB
import Testing

/// Connections that die, packets too large, errors that hide their number, Galera's "not ready",
/// and pool sizes that cannot work: each against the real server.
@Suite("MariaDB connection health")
struct ConnectionHealthTests {
    /// Kills the server sessions `ids` from a connection of its own and waits until they are gone.
    func kill(_ ids: [UInt64]) async throws {
        let admin = try await MariaDBConnection.connect(configuration: try testConfiguration())
        for id in ids { try await admin.execute("KILL \(id)") }
        let list = ids.map(String.init).joined(separator: ", ")
        for _ in 0..<200 {
            let left = try await admin.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID IN (\(list))")
            if try left.first?.decode(Int.self, "n") == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        await admin.close()
    }

    @Test func afterALostConnectionThePoolChecksItsIdleConnections() async throws {
        let db = try testDatabase { $0.maximumConnections = 4 }
        defer { Task { await db.shutdown() } }
        var held: [MariaDBConnection] = []
        for _ in 0..<4 { held.append(try await db.pool.acquire()) }
        let ids = held.map(\.connectionID)
        for connection in held { db.pool.release(connection) }
        #expect(db.pool.statistics.idle == 4)
        // What a server restart does to every idle connection at once.
        try await kill(ids)
        var lost = 0
        for _ in 0..<4 {
            do {
                _ = try await db.query("SELECT 1 AS one")
            } catch let error as MariaDBError where error.isConnectionLost {
                lost += 1
            }
        }
        // The first statement meets a dead connection; the pool then checks the others before
        // handing them out, and drops them instead of failing three more statements.
        #expect(lost == 1)
        let fresh = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        #expect(!ids.contains(fresh))
    }

    @Test func aStatementLargerThanMaxAllowedPacketIsRefusedAndKeepsItsConnection() async throws {
        let db = try testDatabase { $0.maximumConnections = 1 }
        defer { Task { await db.shutdown() } }
        let limit = try #require(try await db.query("SELECT @@max_allowed_packet AS m").first?.decode(Int.self, "m"))
        try #require(limit <= 64 << 20, "max_allowed_packet is \(limit): too large to exceed in a test")
        let first = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        let error = await caught { _ = try await db.query("SELECT LENGTH(?) AS n", [.string(String(repeating: "x", count: limit + 1024))]) }
        let e = try #require(error as? MariaDBError)
        // Refused before it is sent (the server would have closed the connection with 1153).
        #expect(e.isValueTooLarge)
        #expect(!e.isConnectionLost)
        let second = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        #expect(second == first)
    }

    @Test func aFetchErrorWithoutItsOwnNumberTakesTheConnections() async throws {
        let db = try testDatabase {
            $0.maximumConnections = 1
            $0.readTimeout = .seconds(1)
        }
        defer { Task { await db.shutdown() } }
        let first = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        // The first row (large enough to be sent at once) arrives; the second takes longer than
        // the read timeout, and Connector/C reports the lost connection on the connection only.
        let error = await caught {
            _ = try await db.query(
                "SELECT n, REPEAT('x', 100000) AS pad, SLEEP(IF(n = 2, 5, 0)) AS s FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) t"
            )
        }
        let e = try #require(error as? MariaDBError)
        #expect(e.kind == .fetch)
        #expect(e.errno == 2013)
        #expect(e.isConnectionLost)
        #expect(!e.message.isEmpty)
        let second = try #require(try await db.query("SELECT CONNECTION_ID() AS id").first?.decode(UInt64.self, "id"))
        #expect(second != first)
    }

    @Test func galerasNodeNotPreparedIsTransient() throws {
        // A real 1047 (ER_UNKNOWN_COM_ERROR, what a Galera node not yet prepared answers): the
        // server's reply to COM_SET_OPTION with an option it does not know.
        let config = try testConfiguration()
        _ = mysql_server_init(0, nil, nil)
        let h = try #require(mysql_init(nil))
        defer { mysql_close(h) }
        try #require(mysql_real_connect(h, config.host, config.user, config.password, config.database, UInt32(config.port), nil, 0) != nil)
        #expect(mysql_set_server_option(h, enum_mysql_set_option(rawValue: 77)) != 0)
        let error = MariaDBError(
            kind: .execute, errno: mysql_errno(h), sqlState: String(cString: mysql_sqlstate(h)),
            message: String(cString: mysql_error(h))
        )
        #expect(error.errno == 1047)
        #expect(error.isTransient)
        #expect((error as any GTADatabaseError).isTransient)
        #expect(!error.isConnectionLost)
    }

    @Test func aPoolSizeBelowOneIsRefusedInEveryForm() async throws {
        for size in ["0", "-3"] {
            let refused = await caught { _ = try MariaDBConfiguration(url: "mysql://gta@127.0.0.1/db?pool-size=\(size)") }
            #expect((refused as? MariaDBError)?.kind == .invalidConfiguration)
        }
        var zero = try testConfiguration()
        zero.maximumConnections = 0
        var negative = MariaDBConfiguration(user: "gta", maximumConnections: -1)
        negative.password = "unused"
        for configuration in [zero, negative] {
            #expect(throws: MariaDBError.self) { try configuration.validate() }
            let db = MariaDBDatabase(configuration: configuration)
            let error = await caught { _ = try await db.query("SELECT 1") }
            let e = try #require(error as? MariaDBError)
            #expect(e.kind == .invalidConfiguration)
            #expect(e.message.contains("maximumConnections"))
            let pool = MariaDBConnectionPool(configuration: configuration)
            #expect((await caught { _ = try await pool.acquire() } as? MariaDBError)?.kind == .invalidConfiguration)
            await db.shutdown()
        }
        try testConfiguration().validate()
    }
}
