#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

extension MariaDBConfiguration {
    /// Parses a connection URL:
    /// `mysql://user:password@host:port/database?option=value&...` (`mariadb://` is accepted too);
    /// several hosts are separated by commas, `mysql://u:p@h1:3306,h2:3306/db` (see ``hosts``).
    ///
    /// The user name and password are percent-decoded (write `%40` for `@`, `%3A` for `:`,
    /// `%2F` for `/`). Port defaults to 3306, host to `127.0.0.1`. Options (all optional):
    ///
    /// | Item | Meaning |
    /// |---|---|
    /// | `socket=/path` | ``unixSocket`` |
    /// | `tls=disabled\|require\|verify-ca\|verify-identity` (alias `ssl-mode`) | ``tls`` mode; the verifying modes need `ssl-ca` |
    /// | `ssl-ca=/path`, `ssl-cert=/path`, `ssl-key=/path` | CA file, client certificate and key |
    /// | `connect-timeout=5` | ``connectTimeout`` in seconds |
    /// | `read-timeout=30`, `write-timeout=30` | ``readTimeout``, ``writeTimeout`` in seconds |
    /// | `pool-size=8` | ``maximumConnections`` |
    /// | `acquire-timeout=30` | ``acquireTimeout`` in seconds |
    /// | `skip-locked=auto\|on\|off` | ``skipLocked`` |
    /// | `host-backoff=1` | ``hostBackoff`` in seconds |
    /// | `host-policy=primary\|spread` (alias `hosts`) | ``hostPolicy`` |
    /// | `time-zone=UTC` | ``timeZone``: an identifier such as `Europe/Berlin` or an offset such as `+02:00` |
    ///
    /// - Throws: ``MariaDBError`` of kind ``MariaDBError/Kind/invalidConfiguration`` naming the
    ///   problem (bad scheme, bad port, unknown option, ...). The message never repeats the password.
    public init(url: String) throws {
        func fail(_ problem: String) -> MariaDBError {
            MariaDBError(kind: .invalidConfiguration, message: "invalid database URL: \(problem)")
        }
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw fail("missing '://' (expected mysql://user:password@host:port/database)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "mysql" || scheme == "mariadb" else {
            throw fail("unsupported scheme '\(scheme)'; use mysql:// or mariadb://")
        }
        var rest = url[schemeEnd.upperBound...]
        var queryText: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        var hostPort = authority
        var user = ""
        var password = ""
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let rawUser: Substring
            var rawPassword: Substring = ""
            if let colon = userInfo.firstIndex(of: ":") {
                rawUser = userInfo[..<colon]
                rawPassword = userInfo[userInfo.index(after: colon)...]
            } else {
                rawUser = userInfo
            }
            guard let u = PercentDecoding.decode(rawUser) else {
                throw fail("the user name has a malformed percent escape")
            }
            guard let p = PercentDecoding.decode(rawPassword) else {
                throw fail("the password has a malformed percent escape")
            }
            user = u
            password = p
        }
        guard !user.isEmpty else { throw fail("no user name (expected mysql://user:password@host/...)") }

        var hosts: [Endpoint] = []
        for part in hostPort.split(separator: ",", omittingEmptySubsequences: false) {
            var host = "127.0.0.1"
            var port = 3306
            var portText: Substring?
            if part.hasPrefix("[") {
                guard let close = part.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
                host = String(part[part.index(after: part.startIndex)..<close])
                let after = part[part.index(after: close)...]
                if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                    throw fail("unexpected text after the IPv6 address")
                }
            } else if let colon = part.lastIndex(of: ":") {
                if colon != part.startIndex { host = String(part[..<colon]) }
                portText = part[part.index(after: colon)...]
            } else if !part.isEmpty {
                host = String(part)
            } else if hostPort.contains(",") {
                throw fail("an empty host in the host list '\(hostPort)'")
            }
            if let portText {
                guard let p = Int(portText), (1...65535).contains(p) else {
                    throw fail("port '\(portText)' is not a number from 1 to 65535")
                }
                port = p
            }
            hosts.append(Endpoint(host: host, port: port))
        }
        guard let database = PercentDecoding.decode(path) else {
            throw fail("the database name has a malformed percent escape")
        }
        guard !database.contains("/") else { throw fail("the database name '\(database)' contains '/'") }

        self.init(host: hosts[0].host, port: hosts[0].port, user: user, password: password, database: database.isEmpty ? nil : database)
        self.hosts = hosts

        var tlsMode: String?
        var caPath: String?
        for item in queryText.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(pair[0]),
                let value = PercentDecoding.decode(pair.count > 1 ? String(pair[1]) : "")
            else { throw fail("malformed percent escape in option '\(pair[0])'") }
            func seconds() throws -> Duration {
                guard let s = Double(value), s > 0, s.isFinite else {
                    throw fail("option '\(name)' must be a positive number of seconds, not '\(value)'")
                }
                return .milliseconds(Int64((s * 1000).rounded()))
            }
            switch name.lowercased() {
            case "socket", "unix-socket": unixSocket = value
            case "tls", "ssl-mode", "sslmode": tlsMode = value.lowercased()
            case "ssl-ca", "tls-ca": caPath = value
            case "ssl-cert", "tls-cert": tls.clientCertificatePath = value
            case "ssl-key", "tls-key": tls.clientKeyPath = value
            case "connect-timeout": connectTimeout = try seconds()
            case "read-timeout": readTimeout = try seconds()
            case "write-timeout": writeTimeout = try seconds()
            case "acquire-timeout": acquireTimeout = try seconds()
            case "pool-size", "max-connections":
                guard let n = Int(value), n >= 1 else {
                    throw fail("option '\(name)' must be a whole number of at least 1, not '\(value)'")
                }
                maximumConnections = n
            case "host-backoff": hostBackoff = try seconds()
            case "host-policy", "hosts":
                guard let policy = HostPolicy(rawValue: value.lowercased()) else {
                    throw fail("option '\(name)' must be primary or spread, not '\(value)'")
                }
                hostPolicy = policy
            case "skip-locked":
                guard let choice = SkipLocked(rawValue: value.lowercased()) else {
                    throw fail("option 'skip-locked' must be auto, on or off, not '\(value)'")
                }
                skipLocked = choice
            case "time-zone", "timezone":
                if Self.parseTimeZone(value) == nil, CivilTimeZone(named: value) != nil {
                    // A named zone this process has no ICU to make a TimeZone of.
                    timeZone = .gmt
                    timeZoneName = value
                    continue
                }
                guard let zone = Self.parseTimeZone(value) else {
                    throw fail("unknown time zone '\(value)' (use an identifier such as Europe/Berlin or an offset such as +02:00)")
                }
                timeZone = zone
            default:
                throw fail("unknown option '\(name)' (known: socket, tls, ssl-ca, ssl-cert, ssl-key, connect-timeout, read-timeout, write-timeout, pool-size, acquire-timeout, host-backoff, host-policy, skip-locked, time-zone)")
            }
        }
        switch tlsMode {
        case nil, "disabled", "disable", "false", "off":
            if tlsMode == nil, caPath != nil { tls.mode = .verifyCA(caPath: caPath!) }
        case "require", "required", "true", "on": tls.mode = .require
        case "verify-ca", "verify_ca":
            guard let caPath else { throw fail("tls=verify-ca needs ssl-ca=/path/to/ca.pem") }
            tls.mode = .verifyCA(caPath: caPath)
        case "verify-identity", "verify_identity", "verify-full":
            guard let caPath else { throw fail("tls=verify-identity needs ssl-ca=/path/to/ca.pem") }
            tls.mode = .verifyIdentity(caPath: caPath)
        case let other?:
            throw fail("unknown tls mode '\(other)' (use disabled, require, verify-ca or verify-identity)")
        }
    }

    static func parseTimeZone(_ text: String) -> TimeZone? {
        if let first = text.first, first == "+" || first == "-" {
            let digits = text.dropFirst().split(separator: ":")
            guard (1...2).contains(digits.count), let h = Int(digits[0]), (0...14).contains(h) else { return nil }
            let m = digits.count == 2 ? Int(digits[1]) : 0
            guard let m, (0..<60).contains(m) else { return nil }
            return TimeZone(secondsFromGMT: (first == "-" ? -1 : 1) * (h * 3600 + m * 60))
        }
        return TimeZone(identifier: text)
    }
}
