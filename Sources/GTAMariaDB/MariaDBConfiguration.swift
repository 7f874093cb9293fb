#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// Where and how to connect to a MariaDB or MySQL server, and how large the pool may grow.
///
/// ```swift
/// var config = MariaDBConfiguration(host: "127.0.0.1", user: "app", password: "secret", database: "app")
/// config.maximumConnections = 16
/// let db = MariaDBDatabase(configuration: config)
/// // or: let db = try MariaDBDatabase(url: "mysql://app:secret@127.0.0.1:3306/app?pool-size=16")
/// ```
///
/// ``description`` and ``debugDescription`` show the password as `****`.
public struct MariaDBConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The server's host name or IP address: the first of ``hosts``. Default `"127.0.0.1"`.
    /// Ignored when ``unixSocket`` is set.
    public var host: String {
        get { hosts[0].host }
        set { hosts[0].host = newValue }
    }
    /// The server's TCP port: the first of ``hosts``. Default 3306.
    public var port: Int {
        get { hosts[0].port }
        set { hosts[0].port = newValue }
    }
    /// The servers to connect to, in order of preference; never empty (``host`` and ``port``
    /// are its first). With several (a Galera cluster, a Group Replication primary and its
    /// secondaries), ``hostPolicy`` says which host each new connection goes to (by default
    /// **the first host in this order that is not being avoided**); a host that refused a
    /// connection (2002/2003/2005), lost one (2013, 2006 and the other
    /// ``MariaDBError/isConnectionLost`` codes), answered 1047 (a Galera node not ready) or
    /// refused a write as read-only (1290, ``MariaDBError/isReadOnly``) is avoided for
    /// ``hostBackoff``, doubled at each failure in a row up to 30 s, and every idle connection
    /// to it is dropped at once. When every host is avoided, they are tried in order all the
    /// same. URL: `mysql://u:p@h1:3306,h2:3306,h3:3306/db`.
    public var hosts: [Endpoint]
    /// How long a host that failed is first avoided; doubled at each failure in a row, at most
    /// 30 seconds. Default 1 second. URL item `host-backoff=1` (seconds).
    public var hostBackoff: Duration = .seconds(1)
    /// Which of several ``hosts`` new connections go to. Default ``HostPolicy-swift.enum/primary``:
    /// all of them to one host at a time. URL item `host-policy=primary|spread` (alias `hosts`).
    /// Ignored with one host or a ``unixSocket``.
    public var hostPolicy: HostPolicy = .primary
    /// Set by the pool on the one-host configuration of a connection under the `spread` policy:
    /// the session waits for causality on a Galera node (`MariaDBSession`).
    var waitsForCausality = false

    /// How connections are shared out over several ``hosts`` (URL item `host-policy`).
    public enum HostPolicy: String, Sendable, Hashable {
        /// Every connection of the database to the first host in list order that is not being
        /// avoided, so all the library's writes (claims, status writes, lease renewals, the
        /// built-in tasks) and the application's go through one node at a time: the fewest
        /// certification conflicts on Galera, and the only node that takes writes on a
        /// single-primary Group Replication group. When that host fails the connections move
        /// to the next; when its avoidance (``hostBackoff``) has run out, one connection to a
        /// later host is closed at release so that the next one opened tries it again, and once
        /// a connection to it opens, every connection to a later host is closed (idle ones at
        /// once, ones in use when released). The default.
        case primary
        /// Each new connection to the next host that is not being avoided, round robin, so one
        /// process's connections spread over every healthy node (more certification conflicts
        /// on Galera, which the library retries). On a Galera node each connection sets
        /// `wsrep_sync_wait = 3`, so that a status write sent to one node finds the claim
        /// committed through another (without it the write can miss the row, which then stays
        /// `running` until it is rescued and runs again); every transaction, read, update and
        /// delete then waits for the node to catch up. A host that comes back gets connections
        /// as the pool opens new ones; none is moved to it.
        case spread
    }

    /// One server: host name or IP address and TCP port.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int = 3306) {
            self.host = host
            self.port = port
        }
        /// `host:port` (`[::1]:3306` for an IPv6 address).
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }
    /// The user name.
    public var user: String
    /// The password; never shown in descriptions, errors or logs. Default: empty.
    public var password: String
    /// The database (schema) selected at connect, or `nil` for none. Default `nil`.
    public var database: String?
    /// A Unix domain socket path; when set, the connection goes through it instead of TCP.
    /// Default `nil`.
    public var unixSocket: String?
    /// How long to wait for a connection to be established. Default 10 seconds.
    /// Connector/C counts whole seconds; a value below one second becomes one second.
    public var connectTimeout: Duration
    /// How long one network read may wait (`MYSQL_OPT_READ_TIMEOUT`), or `nil` for no limit.
    /// Default `nil`. A query that runs longer than this fails with a lost connection.
    public var readTimeout: Duration?
    /// How long one network write may wait (`MYSQL_OPT_WRITE_TIMEOUT`), or `nil` for no limit.
    /// Default `nil`.
    public var writeTimeout: Duration?
    /// Transport encryption. Default ``TLS-swift.struct/disabled``.
    public var tls: TLS
    /// The most connections the pool keeps open at once. Default 8. Must be at least 1.
    public var maximumConnections: Int
    /// How long ``MariaDBDatabase`` waits for a free connection when all are busy before
    /// throwing a ``MariaDBError`` of kind ``MariaDBError/Kind/poolTimeout``. Default 30 seconds.
    public var acquireTimeout: Duration
    /// The time zone of `DATETIME` wall-clock values: a bound `Date` is written as the wall-clock
    /// time in this zone, and a `DATETIME` read back is interpreted in it. The session's
    /// `time_zone` is set to match, so `NOW()` agrees. Default UTC (`TimeZone.gmt`).
    ///
    /// A named zone's offsets are read from the system's time zone database
    /// (`/usr/share/zoneinfo`), not through ICU.
    public var timeZone: TimeZone {
        didSet { timeZoneName = nil }
    }
    /// The named zone the URL's `time-zone` item gave when this process cannot make a
    /// `TimeZone` of that name (a process without ICU); `nil` otherwise. Setting ``timeZone``
    /// clears it.
    package var timeZoneName: String?
    /// The zone wall-clock values are converted in: ``timeZoneName`` when set, else ``timeZone``.
    package var civilTimeZone: CivilTimeZone {
        timeZoneName.flatMap { CivilTimeZone(named: $0) } ?? CivilTimeZone(timeZone)
    }
    /// Whether claims use `FOR UPDATE SKIP LOCKED`. Default ``SkipLocked-swift.enum/auto``:
    /// decided from the server's version at the first connection.
    public var skipLocked: SkipLocked

    /// Whether the library's claims lock rows with `FOR UPDATE SKIP LOCKED` or use the Go
    /// original's optimistic claim (URL item `skip-locked=auto|on|off`).
    public enum SkipLocked: String, Sendable, Hashable {
        /// From the server's `VERSION()` at the first connection: MariaDB 10.6+ and MySQL 8.0.1+
        /// yes; older servers, TiDB and Vitess no (``MariaDBDialect/serverHasSkipLocked(version:)``).
        /// Until the first connection the dialect says yes.
        case auto
        /// Always `SKIP LOCKED` (the server must have it).
        case on
        /// Never: the optimistic claim (an update that keeps the rows it changed).
        case off
    }

    /// Creates a configuration; every parameter except `user` has a default (see the properties).
    public init(
        host: String = "127.0.0.1",
        port: Int = 3306,
        user: String,
        password: String = "",
        database: String? = nil,
        unixSocket: String? = nil,
        connectTimeout: Duration = .seconds(10),
        readTimeout: Duration? = nil,
        writeTimeout: Duration? = nil,
        tls: TLS = .disabled,
        maximumConnections: Int = 8,
        acquireTimeout: Duration = .seconds(30),
        timeZone: TimeZone = .gmt,
        skipLocked: SkipLocked = .auto
    ) {
        self.hosts = [Endpoint(host: host, port: port)]
        self.user = user
        self.password = password
        self.database = database
        self.unixSocket = unixSocket
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.tls = tls
        self.maximumConnections = maximumConnections
        self.acquireTimeout = acquireTimeout
        self.timeZone = timeZone
        self.skipLocked = skipLocked
    }

    /// Checks the settings that cannot work: a ``maximumConnections`` below 1. A pool or
    /// database made with such a configuration throws this error from every statement.
    /// - Throws: ``MariaDBError`` of kind ``MariaDBError/Kind/invalidConfiguration`` naming the
    ///   rule broken.
    public func validate() throws(MariaDBError) {
        guard maximumConnections >= 1 else {
            throw MariaDBError(
                kind: .invalidConfiguration,
                message: "invalid MariaDB configuration: maximumConnections must be at least 1, not \(maximumConnections)"
            )
        }
    }

    /// Where the server is, for messages: `"127.0.0.1:3306"` or `"unix:/path/to.sock"`.
    var endpoint: String {
        if let unixSocket { return "unix:" + unixSocket }
        return hosts.map(\.description).joined(separator: ",")
    }

    /// A URL-like summary with the password masked:
    /// `mysql://app:****@127.0.0.1:3306/app (tls: disabled, pool: 8, time zone: GMT)`.
    public var description: String {
        let credentials = password.isEmpty ? user : user + ":****"
        let place = unixSocket.map { "localhost?socket=\($0)" } ?? endpoint
        return "mysql://\(credentials)@\(place)/\(database ?? "") (tls: \(tls), pool: \(maximumConnections), time zone: \(timeZoneName ?? timeZone.identifier))"
    }

    /// The same as ``description``: the password stays masked.
    public var debugDescription: String { description }
}

extension Duration {
    /// Whole seconds, rounded up, at least 1; for Connector/C's second-granular options.
    var connectorSeconds: UInt32 {
        let (seconds, attoseconds) = components
        let whole = seconds + (attoseconds > 0 ? 1 : 0)
        return UInt32(clamping: max(1, whole))
    }
}
