import Foundation
import GTA
import GTAMariaDB
import GTASQLite
import Testing

/// Where a test's task table lives: the test server (scripts/test) or a SQLite file.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case mariadb
    case sqlite

    var testDescription: String { rawValue }

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gta-command-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static var serverURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["GTA_TEST_DATABASE_URL"], !url.isEmpty else {
                throw Missing(what: "GTA_TEST_DATABASE_URL is not set: run the tests with scripts/test")
            }
            return url
        }
    }
}

struct Missing: Error, CustomStringConvertible {
    let what: String
    var description: String { what }
}

/// A task table of its own for one test, and the URL that `gta --url` takes for it.
struct TestTable {
    let db: any GTADatabase
    let name: String
    let url: String
    var quoted: String { db.dialect.quote(name) }

    static func make(_ backend: Backend, _ test: String, create: Bool = true) async throws -> TestTable {
        let name = "c_" + String("\(backend.rawValue)_\(test)".filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(58))
        let db: any GTADatabase
        let url: String
        switch backend {
        case .mariadb:
            url = try Backend.serverURL
            db = try MariaDBDatabase(url: url)
        case .sqlite:
            url = Backend.directory.appendingPathComponent(name + ".sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url + suffix) }
            db = try await SQLiteDatabase(path: url)
        }
        try await db.execute("DROP TABLE IF EXISTS \(db.dialect.quote(name))", [])
        try await db.execute("DROP TABLE IF EXISTS \(ScheduleTable.name(forTasks: try TableName(name)).quoted(for: db.dialect))", [])
        if create { try await TaskTable.create(named: name, on: db) }
        return TestTable(db: db, name: name, url: url)
    }

    @discardableResult
    func insert(_ key: String, _ status: TaskStatus, argument: String = "{}", age: TimeInterval = 0, extra: String = "{}") async throws -> UInt64 {
        let at = Date().addingTimeInterval(-age)
        return try await db.execute(
            "INSERT INTO \(quoted) (task_key, task_status, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.string(key), .string(status.rawValue), .string(argument), .string(extra), .date(at), .date(at)]
        ).lastInsertID
    }

    func status(_ id: UInt64) async throws -> TaskStatus? {
        try await db.query("SELECT task_status FROM \(quoted) WHERE id = ?", [.uint(id)]).first
            .map { TaskStatus(rawValue: try $0.decode(String.self, "task_status")) }
    }

    func count(_ status: TaskStatus) async throws -> Int {
        try await db.query("SELECT COUNT(*) AS n FROM \(quoted) WHERE task_status = ?", [.string(status.rawValue)])[0].decode(Int.self, "n")
    }

    func close() async { await db.close() }
}

/// Runs `body` with a fresh table, closing its database however the body ends.
func withTable<T>(_ backend: Backend, create: Bool = true, _ test: String = #function, _ body: (TestTable) async throws -> T) async throws -> T {
    let table = try await TestTable.make(backend, test, create: create)
    do {
        let result = try await body(table)
        await table.close()
        return result
    } catch {
        await table.close()
        throw error
    }
}

/// What a finished process said.
struct Finished {
    var status: Int32
    var stdout: String
    var stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

/// A built executable of this package, next to the test bundle.
func builtProduct(_ name: String) throws -> URL {
    var candidates: [URL] = []
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0], relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    var directory = argument0.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(directory.appendingPathComponent(name))
        directory = directory.deletingLastPathComponent()
    }
    candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/\(name)"))
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw Missing(what: "the '\(name)' executable was not built (looked in \(candidates.map(\.path)))")
    }
    return found
}

/// Runs a program with `arguments`, `stdin` as its standard input (none: end of file at once),
/// and the environment without `GTA_DATABASE_URL` unless `environment` sets it.
func run(_ program: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(60)) throws -> Finished {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["GTA_DATABASE_URL"] = nil
    env["GTA_DASHBOARD_TOKEN"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
    // Outputs are small; read them after the exit, killing a process that hangs.
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            break
        }
        Thread.sleep(forTimeInterval: 0.02)
    }
    process.waitUntilExit()
    return Finished(
        status: process.terminationStatus,
        stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
        stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

func gta(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Finished {
    try run(try builtProduct("gta"), arguments, stdin: stdin, environment: environment)
}

struct TimedOut: Error {}

func eventually(_ timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    if try await condition() { return }
    throw TimedOut()
}
