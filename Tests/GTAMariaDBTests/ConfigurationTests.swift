import Foundation
import GTAMariaDB
import Testing

@Suite("MariaDB configuration")
struct ConfigurationTests {
    @Test func parsesFullURL() throws {
        let c = try MariaDBConfiguration(url: "mysql://gta:pw@db.example:3307/gta_test?connect-timeout=5&pool-size=4&acquire-timeout=2.5&read-timeout=30&time-zone=Europe/Berlin")
        #expect(c.host == "db.example")
        #expect(c.port == 3307)
        #expect(c.user == "gta")
        #expect(c.password == "pw")
        #expect(c.database == "gta_test")
        #expect(c.connectTimeout == .seconds(5))
        #expect(c.readTimeout == .seconds(30))
        #expect(c.writeTimeout == nil)
        #expect(c.maximumConnections == 4)
        #expect(c.acquireTimeout == .milliseconds(2500))
        #expect(c.timeZone.identifier == "Europe/Berlin")
        #expect(c.tls == .disabled)
    }

    @Test func defaults() throws {
        let c = try MariaDBConfiguration(url: "mariadb://u@localhost")
        #expect(c.port == 3306)
        #expect(c.password == "")
        #expect(c.database == nil)
        #expect(c.connectTimeout == .seconds(10))
        #expect(c.maximumConnections == 8)
        #expect(c.acquireTimeout == .seconds(30))
        #expect(c.timeZone.secondsFromGMT() == 0)
    }

    @Test func percentEncodedPassword() throws {
        let c = try MariaDBConfiguration(url: "mysql://us%40er:p%40ss%3Aw%2Frd%25@127.0.0.1/db")
        #expect(c.user == "us@er")
        #expect(c.password == "p@ss:w/rd%")
    }

    @Test func socketAndTLS() throws {
        let c = try MariaDBConfiguration(url: "mysql://u:p@/db?socket=/tmp/my%20sock.sock&tls=verify-identity&ssl-ca=/etc/ca.pem&ssl-cert=/c.pem&ssl-key=/k.pem")
        #expect(c.unixSocket == "/tmp/my sock.sock")
        #expect(c.tls.mode == .verifyIdentity(caPath: "/etc/ca.pem"))
        #expect(c.tls.clientCertificatePath == "/c.pem")
        #expect(c.tls.clientKeyPath == "/k.pem")
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db?tls=require").tls == .require)
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db?tls=verify-ca&ssl-ca=/ca").tls == .verifyCA("/ca"))
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db?time-zone=%2B02:00").timeZone.secondsFromGMT() == 7200)
    }

    @Test(arguments: [
        ("postgres://u:p@h/db", "scheme"),
        ("mysql://u:p@h:abc/db", "port"),
        ("mysql://u:p@h:70000/db", "port"),
        ("mysql://u:p@h/db?colour=blue", "unknown option 'colour'"),
        ("mysql://u:p@h/db?tls=maybe", "tls"),
        ("mysql://u:p@h/db?tls=verify-ca", "ssl-ca"),
        ("mysql://u:p@h/db?pool-size=0", "pool-size"),
        ("mysql://u:p@h/db?connect-timeout=soon", "connect-timeout"),
        ("mysql://u:p@h/db?time-zone=Mars/Olympus", "time zone"),
        ("mysql://:p@h/db", "user"),
        ("not a url", "://"),
    ])
    func rejectsBadURL(url: String, problem: String) {
        #expect {
            _ = try MariaDBConfiguration(url: url)
        } throws: { error in
            guard let e = error as? MariaDBError else { return false }
            return e.kind == .invalidConfiguration && e.message.contains(problem)
        }
    }

    @Test func passwordIsMasked() throws {
        let secret = "s3cr3t-Pa55"
        let c = try MariaDBConfiguration(url: "mysql://gta:\(secret)@127.0.0.1:3306/db?foo=1".replacingOccurrences(of: "?foo=1", with: ""))
        #expect(!c.description.contains(secret))
        #expect(!c.debugDescription.contains(secret))
        #expect(!String(describing: c).contains(secret))
        #expect(!String(reflecting: c).contains(secret))
        #expect(c.description.contains("gta:****@127.0.0.1:3306/db"))
        // An error about a URL never repeats the password either.
        let error = #expect(throws: MariaDBError.self) {
            _ = try MariaDBConfiguration(url: "mysql://gta:\(secret)@127.0.0.1:3306/db?bogus=1")
        }
        #expect(error.map { !"\($0)".contains(secret) } == true)
    }
}
