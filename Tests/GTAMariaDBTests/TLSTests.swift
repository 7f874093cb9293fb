import Foundation
import GTA
import GTAMariaDB
import Testing

/// TLS against the throwaway server, which offers (but does not require) TLS with a certificate
/// for IP 127.0.0.1 only, signed by the CA in GTA_TEST_TLS_DIR/ca.pem.
@Suite("MariaDB TLS")
struct TLSTests {
    /// The session's cipher, "" when the connection is not encrypted.
    private func cipher(_ db: MariaDBDatabase) async throws -> String {
        let row = try #require(try await db.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").first)
        return try row.decode(String.self, "Value")
    }

    /// Opens a connection with `change` applied and returns its cipher, or throws the connect error.
    private func connectCipher(_ change: (inout MariaDBConfiguration) -> Void) async throws -> String {
        let db = try testDatabase {
            $0.connectTimeout = .seconds(5)
            change(&$0)
        }
        defer { Task { await db.shutdown() } }
        return try await cipher(db)
    }

    /// The connect error of a connection with `change` applied; it must come within the connect timeout.
    private func connectError(_ change: (inout MariaDBConfiguration) -> Void) async throws -> MariaDBError {
        let start = ContinuousClock.now
        let error = await caught { _ = try await connectCipher(change) }
        #expect(ContinuousClock.now - start < .seconds(6))
        let e = try #require(error as? MariaDBError, "expected a MariaDBError, got \(String(describing: error))")
        #expect(e.kind == .connect)
        return e
    }

    /// The test URL with extra query items (values percent-encoded).
    private func url(_ items: [(String, String)]) throws -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?")
        let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        let base = try testURL()
        return base + (base.contains("?") ? "&" : "?") + query.joined(separator: "&")
    }

    /// Creates (or replaces) a user that must present a client certificate (REQUIRE X509).
    private func createX509User(_ name: String, password: String) async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await db.execute("CREATE OR REPLACE USER '\(name)'@'127.0.0.1' IDENTIFIED BY '\(password)' REQUIRE X509")
        try await db.execute("GRANT USAGE ON *.* TO '\(name)'@'127.0.0.1'")
    }

    @Test func disabledIsPlainText() async throws {
        _ = try testTLSDirectory()
        #expect(try await connectCipher { $0.tls = .disabled } == "")
    }

    @Test func requireEncrypts() async throws {
        _ = try testTLSDirectory()
        #expect(try await connectCipher { $0.tls = .require } != "")
    }

    @Test func requireAcceptsAnyCertificate() async throws {
        _ = try testTLSDirectory()
        // The server's certificate does not name "localhost" and no CA is given: require still connects.
        #expect(try await connectCipher {
            $0.host = "localhost"
            $0.tls = .require
        } != "")
    }

    @Test func verifyCAWithTheRightCA() async throws {
        let ca = try testTLSFile("ca.pem")
        #expect(try await connectCipher { $0.tls = .verifyCA(ca) } != "")
    }

    @Test func verifyCADoesNotCheckTheHostName() async throws {
        // "localhost" is not in the certificate (IP:127.0.0.1 only): verify-ca checks the chain only.
        let ca = try testTLSFile("ca.pem")
        #expect(try await connectCipher {
            $0.host = "localhost"
            $0.tls = .verifyCA(ca)
        } != "")
    }

    @Test func verifyCAWithTheWrongCAFails() async throws {
        let wrong = try testTLSFile("wrong-ca.pem")
        let e = try await connectError { $0.tls = .verifyCA(wrong) }
        #expect(e.errno == 2026, "\(e)") // CR_SSL_CONNECTION_ERROR
        #expect(e.message.contains("certificate"), "\(e)")
    }

    @Test func verifyIdentityWithTheCertifiedAddress() async throws {
        let ca = try testTLSFile("ca.pem")
        #expect(try await connectCipher { $0.tls = .verifyIdentity(ca) } != "")
    }

    @Test func verifyIdentityWithAHostNameTheCertificateLacksFails() async throws {
        // Same server, same CA; "localhost" reaches 127.0.0.1 but the certificate does not name it.
        let ca = try testTLSFile("ca.pem")
        let e = try await connectError {
            $0.host = "localhost"
            $0.tls = .verifyIdentity(ca)
        }
        #expect(e.errno == 2026, "\(e)")
        #expect(e.message.lowercased().contains("certificate"), "\(e)")
    }

    @Test func verifyIdentityWithTheWrongCAFails() async throws {
        let wrong = try testTLSFile("wrong-ca.pem")
        let e = try await connectError { $0.tls = .verifyIdentity(wrong) }
        #expect(e.errno == 2026, "\(e)")
        #expect(e.message.contains("certificate"), "\(e)")
    }

    @Test func clientCertificate() async throws {
        let ca = try testTLSFile("ca.pem")
        let cert = try testTLSFile("client-cert.pem")
        let key = try testTLSFile("client-key.pem")
        try await createX509User("gta_x509", password: "x509-password")
        func as509(_ config: inout MariaDBConfiguration) {
            config.user = "gta_x509"
            config.password = "x509-password"
            config.database = nil
        }
        // Without a certificate the server refuses the user, encrypted or not.
        let plain = try await connectError { as509(&$0); $0.tls = .disabled }
        #expect(plain.errno == 1045, "\(plain)")
        let noCert = try await connectError { as509(&$0); $0.tls = .verifyCA(ca) }
        #expect(noCert.errno == 1045, "\(noCert)")
        // With the client certificate and key it connects, encrypted.
        #expect(try await connectCipher {
            as509(&$0)
            $0.tls = MariaDBConfiguration.TLS(mode: .verifyIdentity(caPath: ca), clientCertificatePath: cert, clientKeyPath: key)
        } != "")
        #expect(try await connectCipher {
            as509(&$0)
            $0.tls = MariaDBConfiguration.TLS(mode: .require, clientCertificatePath: cert, clientKeyPath: key)
        } != "")
    }

    @Test func urlItems() async throws {
        let ca = try testTLSFile("ca.pem")
        let wrong = try testTLSFile("wrong-ca.pem")
        let cert = try testTLSFile("client-cert.pem")
        let key = try testTLSFile("client-key.pem")
        func connect(_ items: [(String, String)], _ change: (inout MariaDBConfiguration) -> Void = { _ in }) async throws -> String {
            let parsed = try MariaDBConfiguration(url: try url(items))
            return try await connectCipher {
                let keep = ($0.user, $0.password)
                $0 = parsed
                ($0.user, $0.password) = keep
                $0.connectTimeout = .seconds(5)
                change(&$0)
            }
        }
        #expect(try MariaDBConfiguration(url: try url([("tls", "verify-ca"), ("ssl-ca", ca)])).tls == .verifyCA(ca))
        #expect(try await connect([("tls", "disabled")]) == "")
        #expect(try await connect([("tls", "require")]) != "")
        #expect(try await connect([("tls", "verify-ca"), ("ssl-ca", ca)]) != "")
        #expect(try await connect([("tls", "verify-identity"), ("ssl-ca", ca)]) != "")
        // ssl-ca alone means verify-ca.
        #expect(try await connect([("ssl-ca", ca)]) != "")
        var error = await caught { _ = try await connect([("tls", "verify-ca"), ("ssl-ca", wrong)]) }
        #expect((error as? MariaDBError)?.errno == 2026, "\(String(describing: error))")
        error = await caught { _ = try await connect([("tls", "verify-identity"), ("ssl-ca", ca)]) { $0.host = "localhost" } }
        #expect((error as? MariaDBError)?.errno == 2026, "\(String(describing: error))")
        // ssl-cert and ssl-key present the client certificate.
        try await createX509User("gta_x509_url", password: "x509-url-password")
        let asUser: (inout MariaDBConfiguration) -> Void = {
            $0.user = "gta_x509_url"
            $0.password = "x509-url-password"
            $0.database = nil
        }
        error = await caught { _ = try await connect([("tls", "verify-ca"), ("ssl-ca", ca)], asUser) }
        #expect((error as? MariaDBError)?.errno == 1045, "\(String(describing: error))")
        #expect(try await connect([("tls", "verify-ca"), ("ssl-ca", ca), ("ssl-cert", cert), ("ssl-key", key)], asUser) != "")
    }
}
