import Foundation
import GTA
import GTAMariaDB
import Testing

/// The database URL that scripts/test exports. Missing, it fails the test with a clear message
/// (under CI and locally alike: the database tests are not optional).
func testURL() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["GTA_TEST_DATABASE_URL"], !url.isEmpty else {
        struct MissingDatabaseURL: Error, CustomStringConvertible {
            var description: String {
                "GTA_TEST_DATABASE_URL is not set: start a server with scripts/mariadb start and export its URL (scripts/test does this)"
            }
        }
        throw MissingDatabaseURL()
    }
    return url
}

func testConfiguration(_ change: (inout MariaDBConfiguration) -> Void = { _ in }) throws -> MariaDBConfiguration {
    var config = try MariaDBConfiguration(url: try testURL())
    change(&config)
    return config
}

func testDatabase(_ change: (inout MariaDBConfiguration) -> Void = { _ in }) throws -> MariaDBDatabase {
    MariaDBDatabase(configuration: try testConfiguration(change))
}

/// Drops and creates a test's own table.
func recreate(_ db: some GTAExecutor, _ table: String, _ columns: String) async throws {
    try await db.execute("DROP TABLE IF EXISTS \(table)")
    try await db.execute("CREATE TABLE \(table) (\(columns)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci")
}

/// Runs `body` and returns the error it threw, or nil.
func caught(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// The directory of the throwaway server's TLS files (scripts/mariadb tls-dir), which scripts/test
/// exports as GTA_TEST_TLS_DIR. Missing, it fails the test with a clear message.
func testTLSDirectory() throws -> String {
    guard let dir = ProcessInfo.processInfo.environment["GTA_TEST_TLS_DIR"], !dir.isEmpty else {
        struct MissingTLSDirectory: Error, CustomStringConvertible {
            var description: String {
                "GTA_TEST_TLS_DIR is not set: export the output of scripts/mariadb tls-dir (scripts/test does this)"
            }
        }
        throw MissingTLSDirectory()
    }
    return dir
}

/// A file of the test server's TLS directory: ca.pem, wrong-ca.pem, client-cert.pem, client-key.pem.
func testTLSFile(_ name: String) throws -> String {
    let path = try testTLSDirectory() + "/" + name
    struct MissingTLSFile: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) does not exist: restart the server with scripts/mariadb start" }
    }
    guard FileManager.default.fileExists(atPath: path) else { throw MissingTLSFile(path: path) }
    return path
}
