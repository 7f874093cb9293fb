import Foundation
import Testing

@testable import GTA

/// SPEC 7: leases, rescue, lost leases, and why a task failed.
@Suite struct LeaseTests {
    /// Leases renewed every 300 ms, expired after a second.
    static func leaseOptions(_ logger: RecordingLogger, _ extra: Option...) -> [Option] {
        fastOptions(logger, .withLeaseInterval(.milliseconds(300)), .withLeaseExpiry(.seconds(1))) + extra
    }

    func extra(_ table: TestTable, _ id: UInt64) async throws -> TaskExtra {
        let row = try #require(try await table.row(id))
        return TaskExtra.read(try row.decode([UInt8]?.self, "extra"))
    }

    @Test(arguments: Backend.allCases)
    func everyRowMovedToRunningCarriesALease(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            let gate = Gate()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, _ in await gate.wait() })
            manager.start()
            try await manager.run("k", 1)
            try await manager.transaction { tx in try await manager.runWithTx(tx, "k", 2) }
            // User rows only: the scanner's first claim may have taken the built-in rows too.
            let ids = try await table.statuses().filter { $0.value == .running && $0.key >= TaskTable.firstAutoID }.keys.sorted()
            #expect(ids.count == 2)
            for id in ids {
                let extra = try await extra(table, id)
                #expect(extra.owner == manager.owner.id)
                #expect(extra.runs == 1)
            }
            // A row written `initialized` keeps the original's `{}`.
            try await db.transaction { tx in try await manager.runWithTx(tx, "k", 3) }
            let initialized = try #require(try await table.statuses().first { $0.value == .initialized && $0.key >= TaskTable.firstAutoID }?.key)
            #expect(try #require(try await table.row(initialized)).decode(String.self, "extra") == "{}")
            gate.open()
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aKilledWorkersTaskIsRescuedAndRunsAgain(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: Self.leaseOptions(RecordingLogger()))
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in ran.append(n) })
            // A worker that died mid-handler: its lease was last renewed a minute ago.
            let orphan = try await table.insert(
                key: "k", status: .running, argument: "7", age: 60, extra: #"{"owner":"p1-00000000dead","runs":1}"#)
            // A row the Go original runs: no lease, never rescued.
            let goRow = try await table.insert(key: "k", status: .running, argument: "8", age: 60)
            manager.start()
            try await eventually("the orphan to be rescued and run") { try await table.statuses()[orphan] == .succeeded }
            #expect(ran.all == [7])
            let rescued = try await extra(table, orphan)
            #expect(rescued.lost == 1)
            #expect(rescued.runs == 2)
            #expect(rescued.owner == manager.owner.id)
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await table.statuses()[goRow] == .running)
            #expect(try await table.row(goRow)?.decode(String.self, "extra") == "{}")
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aTaskThatLosesItsWorkerTooOftenFails(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: Self.leaseOptions(RecordingLogger(), .withRescueLimit(1)))
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in ran.append(n) })
            let looping = try await table.insert(
                key: "k", status: .running, argument: "1", age: 60, extra: #"{"owner":"p1-00000000dead","runs":2,"lost":1}"#)
            manager.start()
            try await eventually("the row to fail") { try await table.statuses()[looping] == .failed }
            let failed = try await extra(table, looping)
            #expect(failed.lost == 2)
            #expect(failed.owner == nil)
            #expect(failed.lastError?.contains("lost its worker 2 times") == true)
            #expect(ran.count == 0)
            // queryUnsuccessfulTasks shows why.
            let listed = try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0)
            #expect(listed.first { $0.id == looping }?.extra.lost == 2)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRenewedLeaseIsNeverRescued(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let runs = Recorder<Int>()
            // A 2 s expiry (not leaseOptions' 1 s): a renewal every 300 ms must land within it,
            // and on a loaded Galera node one commit took most of a second.
            func options() -> [Option] {
                fastOptions(RecordingLogger(), .withLeaseInterval(.milliseconds(300)), .withLeaseExpiry(.seconds(2)))
            }
            let first = try TaskManager(db: db, table: table.name, options: options())
            let second = try TaskManager(db: db, table: table.name, options: options())
            for manager in [first, second] {
                try manager.register("slow", TaskDefinition(argumentType: Int.self) { _, n in
                    runs.append(n)
                    try await Task.sleep(for: .seconds(6))
                })
            }
            first.start()
            second.start()
            try await first.run("slow", 1)
            // Six seconds is three lease expiries: only renewal keeps the other's rescuer away.
            try await eventually("the slow task to succeed", timeout: .seconds(20)) { try await table.userStatuses() == [.succeeded] }
            #expect(runs.all == [1])
            await first.stop(wait: true)
            await second.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func anInstanceThatLostItsLeaseCancelsTheHandlerAndWritesNothing(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: Self.leaseOptions(logger, .withRescue(false)))
            let cancelled = Recorder<Bool>()
            let started = Recorder<Bool>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, _ in
                started.append(true)
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled.append(true)
                    throw error
                }
            })
            manager.start()
            // (The id from run: the built-in rows the monitors insert meanwhile are in the table too.)
            let id = try await manager.run("k", 1, options: .now)
            // Taken over only once claimed and running here (a takeover written before the
            // claim, as the claim could come late on a Galera node, was overwritten by it).
            try await eventually("the handler to start") { started.count == 1 }
            // Another instance took the row over (as after a rescue and a new claim).
            try await db.execute(
                "UPDATE \(table.quoted) SET extra = ? WHERE id = ?", [.string(#"{"owner":"p2-0000000beef0","runs":2}"#), .uint(id)])
            try await eventually("the handler to be cancelled") { cancelled.count == 1 }
            try await Task.sleep(for: .milliseconds(300))
            // Its end wrote nothing: the new owner's row is as it left it.
            #expect(try await table.statuses()[id] == .running)
            #expect(try await extra(table, id).owner == "p2-0000000beef0")
            #expect(logger.contains("WARN", "task given up: its lease was taken over"))
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aFailedTaskKeepsItsAttemptsAndLastError(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            struct Boom: Error, CustomStringConvertible { var description: String { "boom: " + String(repeating: "x", count: 5000) } }
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try manager.register("k", TaskDefinition(retryTimes: 1, retryInterval: { _ in .milliseconds(10) }) { _, _ in throw Boom() })
            manager.start()
            try await manager.run("k", 1)
            try await eventually("the task to fail") { try await table.userStatuses() == [.failed] }
            let task = try #require(try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0).first)
            #expect(task.extra.attempts == 2)
            #expect(task.extra.lastError?.hasPrefix("boom: xxx") == true)
            #expect(try #require(task.extra.lastError).utf8.count <= TaskExtra.maximumErrorLength)
            await manager.stop(wait: true)
        }
    }

    @Test(arguments: Backend.allCases)
    func anUnreadableRowIsFailedByIdAndTheClaimGoesOn(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: table.name, options: fastOptions(logger))
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in ran.append(n) })
            try await table.insert(key: "k", status: .initialized, argument: "1")
            let poison = try await table.insert(key: "k", status: .initialized, argument: "2")
            try await table.insert(key: "k", status: .initialized, argument: "3")
            try await breakDates(of: poison, in: table, backend)
            manager.start()
            try await eventually("the readable rows to run") { Set(ran.all) == [1, 3] }
            try await eventually("the poison row to fail") { try await table.statuses()[poison] == .failed }
            #expect(logger.contains("ERROR", "unreadable row failed by id"))
            #expect(logger.contains("ERROR", "task.id=\(poison)"))
            let listed = try await manager.queryUnsuccessfulTasks(limit: 10, offset: 0)
            let row = try #require(listed.first { $0.id == poison })
            #expect(row.extra.lastError?.contains("unreadable row") == true)
            // The built-in tasks went on too.
            try await eventually("the built-in rows") { try await table.count() >= 3 }
            await manager.stop(wait: true)
        }
    }

    /// Gives a row a `created_at` no reader can take: a zero date on MariaDB, text on SQLite.
    func breakDates(of id: UInt64, in table: TestTable, _ backend: Backend) async throws {
        switch backend {
        case .mariadb:
            try await table.db.transaction { tx in
                try await tx.execute("SET SESSION sql_mode = ''", [])
                try await tx.execute("UPDATE \(table.quoted) SET created_at = '0000-00-00 00:00:00' WHERE id = ?", [.uint(id)])
                try await tx.execute("SET SESSION sql_mode = DEFAULT", [])
            }
        case .sqlite:
            try await table.db.execute("UPDATE \(table.quoted) SET created_at = 'not a date' WHERE id = ?", [.uint(id)])
        }
    }

    @Test(arguments: Backend.allCases)
    func theAbnormalCheckReportsRowsWithoutAKeyOrWithAnUnknownStatus(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let reported = Recorder<[UInt64]>()
            let manager = try abnormalCheckManager(db, table, reported)
            let noKey = try await table.insert(key: "", status: .initialized, argument: "{}")
            let unknown = try await table.insert(key: "other", status: TaskStatus(rawValue: "paused"), argument: "{}")
            manager.start()
            try await eventually("the check to report") { reported.count >= 1 }
            #expect(reported.all[0] == [noKey, unknown])
            await manager.stop(wait: true)
        }
    }
}

/// SPEC 7: a commit whose reply is lost is named as such, never as "not committed".
@Suite struct AmbiguousOutcomeTests {
    @Test func aConnectionLostDuringCommitIsAnUnknownOutcome() async throws {
        try await withTable(.mariadb) { db, table in
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, _ in })
            let killer = try await Backend.mariadb.makeDatabase(file: "")
            do {
                _ = try await manager.transaction { tx in
                    try await manager.runWithTx(tx, "k", 1)
                    let id = try #require(try await tx.query("SELECT CONNECTION_ID() AS id", []).first?.decode(UInt64.self, "id"))
                    // Another session kills this one after the body's last statement: the COMMIT
                    // goes out on a dead connection and its reply never comes.
                    try await killer.execute("KILL CONNECTION \(id)", [])
                }
                Issue.record("the commit on a killed connection succeeded")
            } catch let error as GTAError {
                #expect(error.code == .commitOutcomeUnknown)
                #expect(error.underlying?.asDatabaseError?.isConnectionLost == true)
            }
            // The slot the task held was given back.
            #expect(manager.pool.runningCount == 0)
            await close(killer)
        }
    }
}
