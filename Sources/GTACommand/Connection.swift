import Foundation
import GTA
import GTAMariaDB
import GTAOperations
import GTASQLite

/// An open database and the operations on its task table.
struct Connection {
    let db: any GTADatabase
    let operations: TaskOperations
    /// The URL as it may be shown (the password masked).
    let shownURL: String

    /// Opens the database `options` names. Unless `create` is set, a SQLite file must exist and
    /// the table must be a task table.
    /// With `planOnly`, a SQLite file that does not exist is not created: an empty in-memory
    /// database stands in for it.
    static func open(_ options: DatabaseOptions, lease: LeaseOptions? = nil, create: Bool = false, planOnly: Bool = false) async throws -> Connection {
        let url = try options.resolvedURL()
        _ = try TableName(options.table)  // a bad name is refused before anything is opened
        let db: any GTADatabase
        let shown: String
        let catalog: TableCatalog
        let lower = url.lowercased()
        if lower.hasPrefix("mysql://") || lower.hasPrefix("mariadb://") {
            let configuration = try MariaDBConfiguration(url: url)
            shown = configuration.description
            db = MariaDBDatabase(configuration: configuration)
            catalog = .informationSchema
        } else if lower.hasPrefix("sqlite:") || !url.contains("://") {
            var configuration = lower.hasPrefix("sqlite:") ? try SQLiteConfiguration(url: url) : SQLiteConfiguration(path: url)
            shown = "sqlite:" + (configuration.path ?? ":memory:")
            if let path = configuration.path, !create, !FileManager.default.fileExists(atPath: path) {
                guard planOnly else { throw CommandFailure("no SQLite database at \(path) (gta migrate creates it)") }
                // Plan against an empty database rather than create the file.
                configuration = SQLiteConfiguration.inMemory
            }
            db = try await SQLiteDatabase(configuration: configuration)
            catalog = .sqlite
        } else {
            let scheme = url.prefix(while: { $0 != ":" })
            throw CommandFailure("unsupported database URL scheme '\(scheme)': use mysql://, mariadb:// or sqlite:")
        }
        do {
            let operations = try TaskOperations(
                db: db, table: options.table,
                leaseExpiry: try DurationText.parse(lease?.leaseExpiry ?? "40s"),
                runningTimeout: try DurationText.parse(lease?.runningTimeout ?? "30m"),
                catalog: catalog)
            do {
                if !create && !planOnly { try await operations.requireTaskTable() } else { _ = try await operations.describeTable() }
            } catch let error as OperationsError {
                throw error
            } catch {
                throw CommandFailure("cannot use the database at \(shown): \(error)")
            }
            return Connection(db: db, operations: operations, shownURL: shown)
        } catch {
            await db.close()
            throw error
        }
    }

    func close() async { await db.close() }

    /// Runs `body` with the connection, closing it however `body` ends.
    static func with<T>(
        _ options: DatabaseOptions, lease: LeaseOptions? = nil, create: Bool = false, planOnly: Bool = false,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        let connection = try await open(options, lease: lease, create: create, planOnly: planOnly)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}
