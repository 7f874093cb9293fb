import Foundation
@testable import GTA
import ServiceContextModule
import Synchronization
import Testing

/// Collects what handlers saw, safely from any task.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }
}

/// A swift-log handler that keeps every line with its metadata (`LEVEL message key=value ...`),
/// so tests can check what the library reported.
final class RecordingLogger: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func contains(_ level: String, _ fragment: String) -> Bool {
        all.contains { $0.hasPrefix(level) && $0.contains(fragment) }
    }
    fileprivate func add(_ line: String) { lines.withLock { $0.append(line) } }
    var logger: Logger {
        var logger = Logger(label: "gta") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }
    var factory: LoggerFactory { { [logger] _ in logger } }

    private struct Handler: LogHandler {
        let recorder: RecordingLogger
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let level: String
            switch event.level {
            case .trace, .debug: level = "DEBUG"
            case .info, .notice: level = "INFO"
            case .warning: level = "WARN"
            case .error, .critical: level = "ERROR"
            }
            let items = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            recorder.add(([level, event.message.description] + items).joined(separator: " "))
        }
    }
}

/// A one-shot gate a handler can wait on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let open = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if open { c.resume() }
        }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(
    _ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return }
    throw TimedOut(what: what)
}

/// A task table of its own for one test, dropped and created fresh.
struct TestTable: Sendable {
    let db: any GTADatabase
    let name: String
    /// The database file (SQLite) other databases of the test open.
    var file: String = ""

    /// A database of its own on the same data, as another process would have.
    func anotherDatabase(_ backend: Backend) async throws -> any GTADatabase {
        try await backend.makeDatabase(file: file)
    }

    static func make(_ db: any GTADatabase, _ test: String, file: String) async throws -> TestTable {
        let name = "t_" + test.filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(50)
        let quoted = db.dialect.quote(name)
        try await db.execute("DROP TABLE IF EXISTS \(quoted)", [])
        let schedules = ScheduleTable.name(forTasks: try TableName(name)).quoted(for: db.dialect)
        try await db.execute("DROP TABLE IF EXISTS \(schedules)", [])
        try await TaskTable.create(named: name, on: db)
        return TestTable(db: db, name: name, file: file)
    }

    var quoted: String { db.dialect.quote(name) }

    /// Every row's id and status, in id order.
    func statuses() async throws -> [UInt64: TaskStatus] {
        var result: [UInt64: TaskStatus] = [:]
        for row in try await db.query("SELECT id, task_status FROM \(quoted)", []) {
            result[try row.decode(UInt64.self, "id")] = TaskStatus(rawValue: try row.decode(String.self, "task_status"))
        }
        return result
    }

    func userStatuses() async throws -> [TaskStatus] {
        try await db.query("SELECT task_status FROM \(quoted) WHERE task_key NOT LIKE 'builtin:%' ORDER BY id", [])
            .map { TaskStatus(rawValue: try $0.decode(String.self, "task_status")) }
    }

    func count(_ status: TaskStatus? = nil) async throws -> Int {
        let rows: [GTARow]
        if let status {
            rows = try await db.query(
                "SELECT COUNT(*) AS n FROM \(quoted) WHERE task_status = ? AND task_key NOT LIKE 'builtin:%'", [.string(status.rawValue)])
        } else {
            rows = try await db.query("SELECT COUNT(*) AS n FROM \(quoted) WHERE task_key NOT LIKE 'builtin:%'", [])
        }
        return try rows[0].decode(Int.self, "n")
    }

    func row(_ id: UInt64) async throws -> GTARow? {
        try await db.query("SELECT * FROM \(quoted) WHERE id = ?", [.uint(id)]).first
    }

    /// Inserts a row directly, as another service (or an older state) would have left it.
    @discardableResult
    func insert(
        key: String, status: TaskStatus, argument: String? = nil, context: String? = nil, age: TimeInterval = 0, id: UInt64? = nil,
        extra: String = "{}"
    ) async throws -> UInt64 {
        let at = Date().addingTimeInterval(-age)
        let binds: [GTAValue] = [
            .string(key), .string(status.rawValue), context.map { .string($0) } ?? .null, argument.map { .string($0) } ?? .null,
            .string(extra), .date(at), .date(at),
        ]
        if let id {
            try await db.execute(
                "INSERT INTO \(quoted) (id, task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [.uint(id)] + binds)
            return id
        }
        return try await db.execute(
            "INSERT INTO \(quoted) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            binds
        ).lastInsertID
    }
}

/// Options that make a manager react within a test's patience.
func fastOptions(_ logger: RecordingLogger, _ extra: Option...) -> [Option] {
    [
        .withLoggerFactory(logger.factory),
        .withStorageTimeout(.seconds(3600)),
        .withInitializedTimeout(.seconds(120)),
        .withRunningTimeout(.seconds(300)),
        .withScanInterval(.milliseconds(200)),
        .withInstantScanInterval(.milliseconds(20)),
    ] + extra
}

/// Options whose scanner will not run within a test: anything that runs came through the
/// commit hook.
func noScanOptions(_ logger: RecordingLogger, _ extra: Option...) -> [Option] {
    [
        .withLoggerFactory(logger.factory),
        .withStorageTimeout(.seconds(3600)),
        .withInitializedTimeout(.seconds(3600)),
        .withRunningTimeout(.seconds(3600)),
        .withScanInterval(.seconds(3600)),
    ] + extra
}

extension TaskManager {
    /// The `extra` of a row this manager holds the lease of, as it writes one.
    var leaseExtra: String { #"{"owner":""# + owner.id + #"","runs":1}"# }
}

/// A manager whose abnormal check runs at once (and every ten seconds) and records the ids it
/// reports: rows older than 20 seconds are abnormal.
func abnormalCheckManager(_ db: any GTADatabase, _ table: TestTable, _ reported: Recorder<[UInt64]>) throws -> TaskManager {
    try TaskManager(
        db: db, table: table.name,
        options: [
            .withLoggerFactory(RecordingLogger().factory), .withStorageTimeout(.seconds(3600)),
            .withInitializedTimeout(.seconds(20)), .withRunningTimeout(.seconds(20)),
            .withScanInterval(.seconds(1)), .withInstantScanInterval(.milliseconds(50)),
            .withCheckCallback({ _, tasks in reported.append(tasks.map(\.id).sorted()) }),
        ])
}
