import Foundation
import GTA
import GTAMariaDB
import GTASQLite
import Testing

/// The databases the operations run against: the test server (scripts/test) and SQLite.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case mariadb
    case sqlite

    var testDescription: String { rawValue }

    static let sqliteDirectory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gta-operations-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func makeDatabase(file: String) async throws -> any GTADatabase {
        switch self {
        case .mariadb:
            guard let url = ProcessInfo.processInfo.environment["GTA_TEST_DATABASE_URL"], !url.isEmpty else {
                throw MissingServer()
            }
            return try MariaDBDatabase(url: url)
        case .sqlite:
            let path = Self.sqliteDirectory.appendingPathComponent(file + ".sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            return try await SQLiteDatabase(path: path)
        }
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String { "GTA_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts a throwaway MariaDB" }
    }
}

/// A task table of its own for one test.
struct TestTable {
    let db: any GTADatabase
    let name: String
    var quoted: String { db.dialect.quote(name) }

    /// Inserts a row as a service would have left it, `age` seconds old (updated), created `created` seconds ago.
    @discardableResult
    func insert(
        _ key: String, _ status: TaskStatus, argument: String? = "{}", context: String? = nil, age: TimeInterval = 0,
        created: TimeInterval? = nil, extra: String = "{}", id: UInt64? = nil
    ) async throws -> UInt64 {
        let updated = Date().addingTimeInterval(-age)
        let createdAt = Date().addingTimeInterval(-(created ?? age))
        let binds: [GTAValue] = [
            .string(key), .string(status.rawValue), context.map { .string($0) } ?? .null, argument.map { .string($0) } ?? .null,
            .string(extra), .date(createdAt), .date(updated),
        ]
        if let id {
            try await db.execute(
                "INSERT INTO \(quoted) (id, task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [.uint(id)] + binds)
            return id
        }
        return try await db.execute(
            "INSERT INTO \(quoted) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", binds
        ).lastInsertID
    }

    func status(_ id: UInt64) async throws -> TaskStatus? {
        try await db.query("SELECT task_status FROM \(quoted) WHERE id = ?", [.uint(id)]).first
            .map { TaskStatus(rawValue: try $0.decode(String.self, "task_status")) }
    }
}

/// Runs `body` with a fresh database and a fresh task table named after the test (or none, with `create: false`).
func withTable<T>(
    _ backend: Backend, create: Bool = true, _ test: String = #function, _ body: (any GTADatabase, TestTable) async throws -> T
) async throws -> T {
    let name = "o_" + String("\(backend.rawValue)_\(test)".filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(58))
    let db = try await backend.makeDatabase(file: name)
    do {
        try await db.execute("DROP TABLE IF EXISTS \(db.dialect.quote(name))", [])
        try await db.execute("DROP TABLE IF EXISTS \(ScheduleTable.name(forTasks: try TableName(name)).quoted(for: db.dialect))", [])
        if create { try await TaskTable.create(named: name, on: db) }
        let result = try await body(db, TestTable(db: db, name: name))
        await db.close()
        return result
    } catch {
        await db.close()
        throw error
    }
}

/// A lease of an instance, renewed `age` seconds ago when inserted with that age.
func lease(_ owner: String, runs: Int = 1) -> String { #"{"owner":""# + owner + #"","runs":\#(runs)}"# }

struct TimedOut: Error {}

func eventually(_ timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    if try await condition() { return }
    throw TimedOut()
}
