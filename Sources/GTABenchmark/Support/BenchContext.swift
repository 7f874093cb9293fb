import GTA
import GTAMariaDB
import Synchronization

/// The RSS each scenario recorded before its first task (B1 and B2 after their pool is open);
/// the first record of a scenario wins.
final class MemoryLog: Sendable {
    private let records = Mutex<[String: Int]>([:])

    func before(_ scenario: String, kB: Int) {
        records.withLock { if $0[scenario] == nil { $0[scenario] = kB } }
    }

    func before(_ scenario: String) -> Int? { records.withLock { $0[scenario] } }
}

/// What every scenario is handed: the options, the server, and the set-up the scenarios share.
struct BenchContext: Sendable {
    let options: BenchOptions
    /// The database URL, for B2x4's worker processes.
    let url: String
    let configuration: MariaDBConfiguration
    /// Each scenario's RSS before its first task, as the scenario saw it.
    let memory = MemoryLog()

    var table: String { options.table }

    /// A new pool on a freshly recreated table holding `initializedRows` rows of the bench task
    /// as `initialized`, with arguments 0..<initializedRows.
    func freshDatabase(initializedRows: Int = 0) async throws -> MariaDBDatabase {
        let db = MariaDBDatabase(configuration: configuration)
        try await BenchTable.recreate(table, on: db)
        if initializedRows > 0 { try await BenchTable.insertInitialized(initializedRows, table: table, on: db) }
        return db
    }

    /// A fresh table (see `freshDatabase`), a manager on it whose handler counts each of the
    /// `n` tasks in a `Recorder` after calling `onStart`, started or not, and the pool's
    /// connections opened.
    func managerRun(
        expecting n: Int, initializedRows: Int = 0, start: Bool, options: [Option] = [], delay: Duration? = nil,
        onStart: (@Sendable (Int) -> Void)? = nil
    ) async throws -> ManagerRun {
        let db = try await freshDatabase(initializedRows: initializedRows)
        let recorder = Recorder(expected: n)
        let manager = try BenchTable.manager(on: db, table: table, options: options, delay: delay) { k in
            onStart?(k)
            recorder.record(k)
        }
        if start { manager.start() }
        try await warmUp(db)
        return ManagerRun(db: db, recorder: recorder, manager: manager, table: table)
    }
}

/// One run's pool, manager and recorder (B1, B2, B3, B4).
struct ManagerRun: Sendable {
    let db: MariaDBDatabase
    let recorder: Recorder
    let manager: TaskManager
    let table: String

    /// Waits until every expected handler has run and every row is `succeeded`.
    func waitAllSucceeded() async throws {
        try await recorder.waitForAll()
        try await BenchTable.waitSucceeded(recorder.expected, table: table, on: db)
    }

    /// Stops the manager (waiting for its handlers), checks that each task ran exactly once,
    /// and shuts the pool down.
    func finish(_ scenario: String) async throws {
        await manager.stop(wait: true)
        let (duplicates, missing) = recorder.check()
        guard duplicates == 0, missing == 0 else { throw BenchError("\(scenario): \(duplicates) duplicate and \(missing) missing runs") }
        await db.shutdown()
    }
}
