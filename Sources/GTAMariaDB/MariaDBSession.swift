import CMariaDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// Opening a Connector/C session: the options (timeouts, character set, protocol, TLS), the
/// connect itself, the TLS check, and the session setup (collation and time zone).
///
/// Used only on the new connection's thread.
enum MariaDBSession {
    /// An open session.
    struct Opened {
        let handle: UnsafeMutablePointer<MYSQL>
        let connectionID: UInt64
        let serverVersion: String
        /// The server's `max_allowed_packet`: no statement larger than this may be sent.
        let maxAllowedPacket: Int
    }

    /// Connects and sets the session up; on failure nothing is left open.
    /// - Throws: ``MariaDBError`` of kind ``MariaDBError/Kind/connect``; its message names the
    ///   server and user, never the password.
    static func open(_ config: MariaDBConfiguration, time: MariaDBTime) throws -> Opened {
        guard let h = mysql_init(nil) else {
            throw MariaDBError(kind: .connect, message: "mysql_init failed (out of memory)")
        }
        let maxAllowedPacket: Int
        do {
            try connect(h, config)
            // Errors of the setup itself come as kind .execute, and are reported as connect errors.
            _ = try MariaDBTextProtocol.run(h, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci", wantRows: false, kind: .execute, time: time)
            try setTimeZone(h, time.zone, time: time)
            if config.waitsForCausality { try waitForCausality(h, time: time) }
            let packet = try MariaDBTextProtocol.run(h, "SELECT @@max_allowed_packet AS p", wantRows: true, kind: .execute, time: time).1
            maxAllowedPacket = (try? packet.first?.decode(Int.self, "p")) ?? nil ?? 16 << 20
        } catch let error as MariaDBError where error.kind != .connect {
            mysql_close(h)
            throw MariaDBError(
                kind: .connect, errno: error.errno, sqlState: error.sqlState,
                message: "session setup on \(config.endpoint) failed: \(error.message)"
            )
        } catch {
            mysql_close(h)
            throw error
        }
        return Opened(
            handle: h, connectionID: UInt64(mysql_thread_id(h)), serverVersion: String(cString: mysql_get_server_info(h)),
            maxAllowedPacket: maxAllowedPacket)
    }

    private static func connect(_ h: UnsafeMutablePointer<MYSQL>, _ config: MariaDBConfiguration) throws {
        var connectTimeout = config.connectTimeout.connectorSeconds
        mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        if var read = config.readTimeout?.connectorSeconds { mysql_options(h, MYSQL_OPT_READ_TIMEOUT, &read) }
        if var write = config.writeTimeout?.connectorSeconds { mysql_options(h, MYSQL_OPT_WRITE_TIMEOUT, &write) }
        var off: my_bool = 0
        var on: my_bool = 1
        mysql_options(h, MYSQL_OPT_RECONNECT, &off)
        mysql_options(h, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        var proto = config.unixSocket == nil ? MYSQL_PROTOCOL_TCP.rawValue : MYSQL_PROTOCOL_SOCKET.rawValue
        mysql_options(h, MYSQL_OPT_PROTOCOL, &proto)
        switch config.tls.mode {
        case .disabled:
            break
        case .require:
            mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on)
            mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off)
        case .verifyCA(let ca):
            mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on)
            mysql_options(h, MYSQL_OPT_SSL_CA, ca)
            mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off)
        case .verifyIdentity(let ca):
            mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on)
            mysql_options(h, MYSQL_OPT_SSL_CA, ca)
            mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on)
        }
        if config.tls.isEnabled {
            if let cert = config.tls.clientCertificatePath { mysql_options(h, MYSQL_OPT_SSL_CERT, cert) }
            if let key = config.tls.clientKeyPath { mysql_options(h, MYSQL_OPT_SSL_KEY, key) }
        }
        let host = config.unixSocket == nil ? config.host : "localhost"
        let connected = mysql_real_connect(
            h, host, config.user, config.password, config.database, UInt32(clamping: config.port),
            config.unixSocket, UInt(CLIENT_MULTI_RESULTS)
        )
        if connected == nil {
            throw MariaDBError.from(
                h, kind: .connect,
                context: "cannot connect to MariaDB at \(config.endpoint) as user '\(config.user)'"
            )
        }
        if config.tls.isEnabled && mysql_get_ssl_cipher(h) == nil {
            // Connector/C 3.3 can fall back to plain text when the server offers no TLS; a
            // required encryption is checked here instead of trusted.
            throw MariaDBError(
                kind: .connect, errno: UInt32(CR_SSL_CONNECTION_ERROR),
                message: "cannot connect to MariaDB at \(config.endpoint) as user '\(config.user)': TLS (\(config.tls)) was required but the connection is not encrypted; does the server have TLS enabled?"
            )
        }
    }

    /// On a Galera node, makes transactions, reads, updates and deletes wait until the node has
    /// applied every write set the cluster had ordered when they arrived
    /// (`wsrep_sync_wait = 3`), so that a connection sees what the database's connections to
    /// other nodes committed. A server without the variable (MySQL) is left as it is.
    private static func waitForCausality(_ h: UnsafeMutablePointer<MYSQL>, time: MariaDBTime) throws {
        do {
            _ = try MariaDBTextProtocol.run(h, "SET SESSION wsrep_sync_wait = 3", wantRows: false, kind: .execute, time: time)
        } catch let error as MariaDBError where error.errno == UInt32(ER_UNKNOWN_SYSTEM_VARIABLE) {}
    }

    /// Sets the session's `time_zone` to match `zone`, so that `NOW()` agrees with bound dates.
    private static func setTimeZone(_ h: UnsafeMutablePointer<MYSQL>, _ zone: CivilTimeZone, time: MariaDBTime) throws {
        func run(_ sql: String) throws {
            _ = try MariaDBTextProtocol.run(h, sql, wantRows: false, kind: .execute, time: time)
        }
        func offsetText(_ seconds: Int) -> String {
            let a = abs(seconds)
            return (seconds < 0 ? "-" : "+") + CivilTime.pad(Int64(a / 3600), 2) + ":" + CivilTime.pad(Int64(a % 3600 / 60), 2)
        }
        if let fixed = zone.fixedOffset {
            try run("SET time_zone = '\(offsetText(fixed))'")
            return
        }
        do {
            // A named zone follows daylight saving time; it needs the server's time zone tables.
            try run("SET time_zone = '\(zone.identifier.replacing("'", with: ""))'")
        } catch let error as MariaDBError where error.errno == UInt32(ER_UNKNOWN_TIME_ZONE) {
            // No time zone tables: the current offset (NOW() is then off by an hour across DST).
            let now = CivilTime.epochParts(of: Date()).seconds
            try run("SET time_zone = '\(offsetText(zone.offset(atSecondsSinceEpoch: now)))'")
        }
    }
}
