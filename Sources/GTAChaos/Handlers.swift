import Foundation
import GTA
import GTAMariaDB

#if canImport(Glibc)
import Glibc
#endif

/// The chaos tables: the library's task table, the handlers' ledger and the producer's orders.
enum ChaosSchema {
    static func recreate(on db: any GTADatabase) async throws {
        for name in [ChaosTables.tasks, ChaosTables.ledger, ChaosTables.orders] {
            try await db.execute("DROP TABLE IF EXISTS \(try TableName(name).quoted(for: db.dialect))")
        }
        try await TaskTable.create(named: ChaosTables.tasks, on: db)
        // run_id is unique per handler invocation, so that a ledger insert retried after an
        // unknown outcome (connection lost at its commit) never counts one run twice.
        try await db.execute("""
            CREATE TABLE \(ChaosTables.ledger) (
              run_id CHAR(36) NOT NULL PRIMARY KEY,
              uuid CHAR(36) NOT NULL,
              task_key VARCHAR(64) NOT NULL,
              pid INT NOT NULL,
              started_us BIGINT NOT NULL,
              written_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
              KEY idx_uuid (uuid)
            ) ENGINE=InnoDB
            """)
        try await db.execute("""
            CREATE TABLE \(ChaosTables.orders) (
              id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
              uuid CHAR(36) NOT NULL,
              path VARCHAR(32) NOT NULL,
              created_us BIGINT NOT NULL,
              UNIQUE KEY uq_uuid (uuid)
            ) ENGINE=InnoDB
            """)
    }
}

/// The task manager every chaos process runs (workers, and the producer, whose commit-hook
/// tasks run in its own pool), with the chaos handlers registered.
enum ChaosManager {
    static let optionNames: Set<String> = ["pool-size", "scan-interval", "instant-scan-interval"]

    static func make(db: MariaDBDatabase, flags: Flags) throws -> TaskManager {
        let poolSize = try flags.int("pool-size", 8)
        let scan = try flags.double("scan-interval", 1)
        let instant = try flags.double("instant-scan-interval", 0.1)
        let manager = try TaskManager(
            db: db, table: ChaosTables.tasks,
            .withPoolSize(max(1, poolSize)),
            .withScanInterval(.milliseconds(Int(scan * 1000))),
            .withInstantScanInterval(.milliseconds(Int(instant * 1000))),
            .withWaitTimeout(.seconds(20))
        )
        let pid = Int64(getpid())
        for key in ChaosKey.allCases {
            try manager.register(key.taskKey, TaskDefinition(argumentType: ChaosArgument.self) { _, argument in
                let started = nowMicros()
                if key == .sleepy { try await Task.sleep(for: .milliseconds(argument.sleepMs)) }
                try await Ledger.write(db: db, uuid: argument.uuid, key: key, pid: pid, startedMicros: started)
                if key == .slow { try await Task.sleep(for: .milliseconds(argument.sleepMs)) }
            })
        }
        return manager
    }
}

/// The handlers' ledger: one autocommitted row per handler invocation.
enum Ledger {
    /// Writes the row, retrying for up to two minutes while the server is away (a server restart
    /// must not turn a run into a failed task). A duplicate key on a retry means an earlier try
    /// committed although its reply was lost.
    static func write(db: any GTADatabase, uuid: String, key: ChaosKey, pid: Int64, startedMicros: Int64) async throws {
        let runID = UUID().uuidString.lowercased()
        let deadline = ContinuousClock.now + .seconds(120)
        var delay = Duration.milliseconds(100)
        var tries = 0
        while true {
            tries += 1
            do {
                try await db.execute(
                    "INSERT INTO \(ChaosTables.ledger) (run_id, uuid, task_key, pid, started_us) VALUES (?, ?, ?, ?, ?)",
                    [.string(runID), .string(uuid), .string(key.rawValue), .int(pid), .int(startedMicros)])
                return
            } catch {
                if tries > 1, (error as? any GTADatabaseError)?.isDuplicateKey == true { return }
                if ContinuousClock.now > deadline { throw error }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
