import Foundation
@testable import GTA
import GTAMariaDB
import Testing

/// The databases every behaviour test runs against: one suite, every backend, so that a
/// difference shows as a failing test.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case mariadb

    var testDescription: String { rawValue }

    /// A database of its own for one test (its own connection pool).
    func makeDatabase() throws -> any SQLDatabase {
        switch self {
        case .mariadb:
            guard let url = ProcessInfo.processInfo.environment["GTA_TEST_DATABASE_URL"], !url.isEmpty else {
                throw MissingServer()
            }
            var configuration = try MariaDBConfiguration(url: url)
            configuration.maximumConnections = 12
            return MariaDBDatabase(configuration: configuration)
        }
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "GTA_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts a throwaway MariaDB"
        }
    }
}

/// Runs `body` with a fresh database and task table, then closes the database.
func withTable<T>(
    _ backend: Backend, _ test: String = #function, _ body: (any SQLDatabase, TestTable) async throws -> T
) async throws -> T {
    let db = try backend.makeDatabase()
    let table = try await TestTable.make(db, "\(backend.rawValue)_\(test)")
    do {
        let result = try await body(db, table)
        await close(db)
        return result
    } catch {
        await close(db)
        throw error
    }
}

func close(_ db: any SQLDatabase) async {
    if let maria = db as? MariaDBDatabase { await maria.shutdown() }
}
