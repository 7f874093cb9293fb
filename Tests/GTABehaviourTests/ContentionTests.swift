import Foundation
import GTAMariaDB
import Synchronization
import Testing

@testable import GTA

/// Several managers, each with its own connection pool, on one table: every task runs once.
@Suite struct ContentionTests {
    @Test(arguments: Backend.allCases)
    func threeManagersRunThreeThousandTasksExactlyOnce(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let total = 3000
            try await db.transaction { tx in
                for start in stride(from: 0, to: total, by: 500) {
                    let values = (start..<start + 500).map { _ in "(?, ?, ?, ?, ?, ?)" }.joined(separator: ", ")
                    var binds: [GTAValue] = []
                    let now = Date()
                    for i in start..<start + 500 {
                        binds += [.string("count"), .string("initialized"), .string("\(i)"), .string("{}"), .date(now), .date(now)]
                    }
                    try await tx.execute(
                        "INSERT INTO \(table.quoted) (task_key, task_status, argument, extra, created_at, updated_at) VALUES \(values)", binds)
                }
            }
            let runs = Mutex<[Int: Int]>([:])
            var managers: [TaskManager] = []
            var databases: [any GTADatabase] = []
            for _ in 0..<3 {
                let own = try await table.anotherDatabase(backend)
                databases.append(own)
                let manager = try TaskManager(db: own, table: table.name, options: fastOptions(RecordingLogger(), .withPoolSize(50)))
                try manager.register("count", TaskDefinition(argumentType: Int.self) { _, n in
                    runs.withLock { $0[n, default: 0] += 1 }
                })
                managers.append(manager)
            }
            managers.forEach { $0.start() }
            try await eventually("all tasks to succeed", timeout: .seconds(120)) { try await table.count(.succeeded) == total }
            for manager in managers { await manager.stop(wait: true) }
            for own in databases { await close(own) }
            let counts = runs.withLock { $0 }
            #expect(counts.count == total)
            #expect(counts.values.allSatisfy { $0 == 1 })
            #expect(try await table.count(.succeeded) == total)
        }
    }
}

/// A server without `SKIP LOCKED` (MySQL 5.7, MariaDB before 10.6): the dialect says so, and the
/// claim falls back to the original's unlocked select and per-row optimistic update.
@Suite struct FallbackClaimTests {
    /// The same database, seen through a dialect without `SKIP LOCKED`.
    struct WithoutSkipLocked: GTADatabase {
        let base: any GTADatabase
        var dialect: any GTADialect { MariaDBDialect(skipLocked: false) }
        func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult { try await base.execute(sql, binds) }
        func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] { try await base.query(sql, binds) }
        func transaction<T: Sendable>(
            isolation: GTAIsolationLevel?, _ body: @Sendable (any GTATransaction) async throws -> T
        ) async throws -> T {
            try await base.transaction(isolation: isolation, body)
        }
        func close() async { await base.close() }
    }

    @Test func threeManagersWithoutSkipLockedRunEachTaskOnce() async throws {
        try await withTable(.mariadb) { db, table in
            let total = 600
            for i in 0..<total { try await table.insert(key: "count", status: .initialized, argument: "\(i)") }
            let runs = Mutex<[Int: Int]>([:])
            var managers: [TaskManager] = []
            var databases: [any GTADatabase] = []
            for _ in 0..<3 {
                let own = try await table.anotherDatabase(.mariadb)
                databases.append(own)
                let manager = try TaskManager(
                    db: WithoutSkipLocked(base: own), table: table.name, options: fastOptions(RecordingLogger(), .withPoolSize(20)))
                try manager.register("count", TaskDefinition(argumentType: Int.self) { _, n in
                    runs.withLock { $0[n, default: 0] += 1 }
                })
                managers.append(manager)
            }
            #expect(managers[0].db.dialect.lockForUpdateSkipLocked == nil)
            managers.forEach { $0.start() }
            try await eventually("all tasks to succeed", timeout: .seconds(60)) { try await table.count(.succeeded) == total }
            for manager in managers { await manager.stop(wait: true) }
            for own in databases { await close(own) }
            let counts = runs.withLock { $0 }
            #expect(counts.count == total)
            #expect(counts.values.allSatisfy { $0 == 1 })
        }
    }
}
