import Foundation
import GTA
import GTAMariaDB
import GTASQLite

/// An error the demo reports as one line: `gta-demo: <message>`.
struct DemoError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Where the demo runs.
enum Target {
    /// A SQLite file, deleted and recreated.
    case sqlite(path: String)
    /// A MariaDB or MySQL server given by URL; the demo's tables are dropped and recreated.
    case mariadb(url: String)

    /// Reads a database argument: a `sqlite:` URL or a `mysql://` / `mariadb://` URL.
    static func parse(url: String) throws -> Target {
        let lower = url.lowercased()
        if lower.hasPrefix("sqlite:") {
            let configuration = try SQLiteConfiguration(url: url)
            guard let path = configuration.path else {
                throw DemoError("the demo needs a SQLite file, not an in-memory database ('\(url)'); try sqlite:gta-demo.sqlite")
            }
            return .sqlite(path: path)
        }
        if lower.hasPrefix("mysql://") || lower.hasPrefix("mariadb://") {
            return .mariadb(url: url)
        }
        throw DemoError(
            "unsupported database '\(masked(url))': give mysql://user:password@host:port/database, "
                + "mariadb://..., sqlite:path or --database path (see --help)")
    }

    /// A URL with anything between `://` and `@` masked, so that no password is echoed.
    static func masked(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "****" + String(url[at...])
    }
}

/// The demo's table names, the same on both backends.
enum Tables {
    static let tasks = "gta_demo_tasks"
    static let orders = "gta_demo_orders"
    static let errors = "gta_demo_errors"
}

/// An open database, what to call it, and how to close it.
struct DemoDatabase {
    let db: any GTADatabase
    let label: String
    let close: @Sendable () async -> Void

    /// Opens the target: deletes and recreates a SQLite file, or connects to the server (at once,
    /// so that a wrong address or password shows before anything else happens).
    static func open(_ target: Target) async throws -> DemoDatabase {
        switch target {
        case .sqlite(let path):
            try removeSQLiteFile(path)
            let db = try await SQLiteDatabase(path: path)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            return DemoDatabase(db: db, label: "SQLite file \(absolute)", close: { await db.close() })
        case .mariadb(let url):
            var configuration = try MariaDBConfiguration(url: url)
            if !url.lowercased().contains("connect-timeout=") {
                configuration.connectTimeout = .seconds(5)
            }
            guard configuration.database != nil else {
                throw DemoError("the URL names no database: write mysql://user:password@host:port/DATABASE")
            }
            let db = MariaDBDatabase(configuration: configuration)
            let place = configuration.unixSocket.map { "socket \($0)" } ?? "\(configuration.host):\(configuration.port)"
            let server = "mysql://\(configuration.user)@\(place)/\(configuration.database ?? "")"
            let version: String
            do {
                version = try await db.serverVersion()
            } catch let error as MariaDBError where error.kind == .connect {
                // Its message already says where and as whom: "cannot connect to MariaDB at ...".
                await db.shutdown()
                throw error
            } catch {
                await db.shutdown()
                throw DemoError("cannot connect to \(server): \(describe(error))")
            }
            return DemoDatabase(db: db, label: "MariaDB/MySQL \(version) at \(server)", close: { await db.shutdown() })
        }
    }

    /// Deletes a previous demo database at `path` (and its WAL files), refusing to delete a file
    /// that is not a SQLite database.
    private static func removeSQLiteFile(_ path: String) throws {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue {
            throw DemoError("cannot use '\(path)' as the demo database: it is a directory")
        }
        if let handle = FileHandle(forReadingAtPath: path) {
            let header = (try? handle.read(upToCount: 16)) ?? Data()
            try? handle.close()
            if !header.isEmpty, header != Data("SQLite format 3\0".utf8) {
                throw DemoError("'\(path)' exists and is not a SQLite database; the demo deletes its database first, so it will not use that file")
            }
        }
        for suffix in ["", "-wal", "-shm", "-journal"] where files.fileExists(atPath: path + suffix) {
            do {
                try files.removeItem(atPath: path + suffix)
            } catch {
                throw DemoError("cannot delete the previous demo database '\(path + suffix)': \(error.localizedDescription)")
            }
        }
    }

    /// Drops and recreates the demo's tables: the task table (``TaskTable/create(named:on:ifNotExists:)``),
    /// the business table and the table where handlers record their errors.
    func createTables() async throws {
        let dialect = db.dialect
        for table in [Tables.tasks, Tables.orders, Tables.errors] {
            try await db.execute("DROP TABLE IF EXISTS \(dialect.quote(table))")
        }
        try await TaskTable.create(named: Tables.tasks, on: db)
        switch dialect is MariaDBDialect ? "mysql" : "sqlite" {
        case "mysql":
            try await db.execute("""
                CREATE TABLE \(dialect.quote(Tables.orders)) (
                  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
                  customer VARCHAR(100) NOT NULL,
                  email VARCHAR(200) NOT NULL,
                  total DOUBLE NOT NULL,
                  created_at DATETIME NOT NULL
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                """)
            try await db.execute("""
                CREATE TABLE \(dialect.quote(Tables.errors)) (
                  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
                  task_key VARCHAR(64) NOT NULL,
                  ref VARCHAR(64) NOT NULL,
                  attempt INT NOT NULL,
                  error TEXT NOT NULL,
                  created_at DATETIME NOT NULL
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                """)
        default:
            try await db.execute("""
                CREATE TABLE \(dialect.quote(Tables.orders)) (
                  id INTEGER NOT NULL PRIMARY KEY,
                  customer TEXT NOT NULL,
                  email TEXT NOT NULL,
                  total REAL NOT NULL,
                  created_at DATETIME NOT NULL
                )
                """)
            try await db.execute("""
                CREATE TABLE \(dialect.quote(Tables.errors)) (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  task_key TEXT NOT NULL,
                  ref TEXT NOT NULL,
                  attempt INTEGER NOT NULL,
                  error TEXT NOT NULL,
                  created_at DATETIME NOT NULL
                )
                """)
        }
    }
}

/// One line for any error the demo may meet.
func describe(_ error: any Error) -> String {
    let text: String
    switch error {
    case let error as MariaDBError where error.kind == .invalidConfiguration:
        text = error.message
    case let error as MariaDBError where error.kind == .connect:
        text = error.errno == 0 ? error.message : "\(error.message) (MariaDB error \(error.errno))"
    default:
        text = String(describing: error)
    }
    return text.split(whereSeparator: \.isNewline).joined(separator: " ")
}
