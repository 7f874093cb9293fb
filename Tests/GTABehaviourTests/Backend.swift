import Foundation
import GTA
import GTAMariaDB
import GTASQLite
import Testing

/// The databases every behaviour test runs against: one suite, every backend, so that a
/// difference shows as a failing test.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case mariadb
    case sqlite

    var testDescription: String { rawValue }

    /// A database of its own for one test (its own connection pool). On SQLite, `file` names the
    /// database file; several databases on one file share it, as several processes would.
    func makeDatabase(file: String) async throws -> any GTADatabase {
        switch self {
        case .mariadb:
            guard let url = ProcessInfo.processInfo.environment["GTA_TEST_DATABASE_URL"], !url.isEmpty else {
                throw MissingServer()
            }
            var configuration = try MariaDBConfiguration(url: url)
            configuration.maximumConnections = 12
            return MariaDBDatabase(configuration: configuration)
        case .sqlite:
            return try await SQLiteDatabase(path: Self.sqliteDirectory.appendingPathComponent(file + ".sqlite").path)
        }
    }

    static let sqliteDirectory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gta-behaviour-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "GTA_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts a throwaway MariaDB"
        }
    }
}

/// Runs `body` with a fresh database and task table, then closes the database.
func withTable<T>(
    _ backend: Backend, _ test: String = #function, _ body: (any GTADatabase, TestTable) async throws -> T
) async throws -> T {
    let name = "\(backend.rawValue)_\(test)"
    let file = String(name.filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(60))
    if backend == .sqlite {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: Backend.sqliteDirectory.appendingPathComponent(file + ".sqlite" + suffix))
        }
    }
    let db = try await backend.makeDatabase(file: file)
    let table = try await TestTable.make(db, name, file: file)
    do {
        let result = try await body(db, table)
        await close(db)
        return result
    } catch {
        await close(db)
        throw error
    }
}

func close(_ db: any GTADatabase) async {
    if let maria = db as? MariaDBDatabase { await maria.shutdown() }
    if let sqlite = db as? SQLiteDatabase { await sqlite.close() }
}
