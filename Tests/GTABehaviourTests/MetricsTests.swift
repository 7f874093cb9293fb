import Foundation
import GTAMariaDB
import GTASQLite
import MetricsTestKit
import Testing

@testable import GTA

/// Docs/operations.md, "Metrics": every metric the manager records, through an injected
/// swift-metrics factory (no global bootstrap).
@Suite struct MetricsTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    func counter(_ metrics: TestMetrics, _ label: String, _ dimensions: [(String, String)]) -> Int64 {
        (try? metrics.expectCounter(label, dimensions).totalValue) ?? 0
    }

    @Test(arguments: Backend.allCases)
    func createdByPathStartedFinishedRetriedAndTimed(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let metrics = TestMetrics()
            // The scanner claims once at the start, then sleeps: no claim holds the pool's slots
            // while the tasks below are created, so the paths are certain.
            let manager = try TaskManager(
                db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withPoolSize(8), .withMetricsFactory(metrics)))
            let flakyTries = Recorder<Int>()
            try manager.register("ok", TaskDefinition(handler: { _, _ in }))
            try manager.register("flaky", TaskDefinition(retryTimes: 2, retryInterval: { _ in .milliseconds(10) }) { _, _ in
                flakyTries.append(1)
                if flakyTries.count == 1 { throw Failure() }
            })
            try manager.register("bad", TaskDefinition(handler: { _, _ in throw Failure() }))
            try await db.transaction { tx in try await manager.runWithTx(tx, "ok", 5) }  // not the manager's: initialized
            manager.start()
            try await eventually("the scanner to run the initialized task") { try await table.count(.succeeded) == 1 }

            try await manager.run("ok", 1)
            try await manager.transaction { tx in try await manager.runWithTx(tx, "ok", 2) }
            try await manager.transaction { tx in try await manager.runBatchWithTx(tx, "ok", [3, 4]) }
            try await manager.run("flaky", 1)
            try await manager.run("bad", 1)
            try await eventually("every task to end") {
                let succeeded = try await table.count(.succeeded), failed = try await table.count(.failed)
                return succeeded == 6 && failed == 1
            }
            await manager.stop(wait: true)

            let created = "gta_tasks_created_total"
            #expect(counter(metrics, created, [("key", "ok"), ("path", "run")]) == 1)
            #expect(counter(metrics, created, [("key", "ok"), ("path", "commit_hook")]) == 1)
            #expect(counter(metrics, created, [("key", "ok"), ("path", "batch")]) == 2)
            #expect(counter(metrics, created, [("key", "ok"), ("path", "initialized")]) == 1)
            #expect(counter(metrics, created, [("key", "flaky"), ("path", "run")]) == 1)
            #expect(counter(metrics, "gta_tasks_started_total", [("key", "ok")]) == 5)
            #expect(counter(metrics, "gta_tasks_succeeded_total", [("key", "ok")]) == 5)
            #expect(counter(metrics, "gta_tasks_succeeded_total", [("key", "flaky")]) == 1)
            #expect(counter(metrics, "gta_tasks_retried_total", [("key", "flaky")]) == 1)
            #expect(counter(metrics, "gta_tasks_failed_total", [("key", "bad")]) == 1)
            #expect(counter(metrics, "gta_tasks_failed_total", [("key", "ok")]) == 0)

            let waits = try metrics.expectTimer("gta_task_wait_duration_seconds", [("key", "ok")]).values
            #expect(waits.count == 5)
            #expect(waits.allSatisfy { $0 >= 0 && $0 < 60_000_000_000 })
            let runs = try metrics.expectTimer("gta_task_run_duration_seconds", [("key", "flaky"), ("outcome", "succeeded")]).values
            #expect(runs.count == 1)
            #expect(runs[0] >= 10_000_000)  // it waited out its retry interval
            #expect(try metrics.expectTimer("gta_task_run_duration_seconds", [("key", "bad"), ("outcome", "failed")]).values.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func poolGaugesFollowRunningTasks(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let metrics = TestMetrics()
            let manager = try TaskManager(
                db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withPoolSize(3), .withMetricsFactory(metrics)))
            let gate = Gate()
            let entered = Recorder<Int>()
            try manager.register("wait", TaskDefinition(handler: { _, _ in
                entered.append(1)
                await gate.wait()
            }))
            let running = try metrics.expectMeter("gta_pool_running_tasks")
            let free = try metrics.expectMeter("gta_pool_free_slots")
            #expect(running.lastValue == 0)
            #expect(free.lastValue == 3)
            manager.start()
            try await manager.run("wait", 1)
            try await manager.run("wait", 2)
            try await eventually("both handlers to run") { entered.count == 2 }
            // (A built-in task the first scan claims may run beside them for a moment.)
            try await eventually("the gauges to show them") { running.lastValue == 2 && free.lastValue == 1 }
            gate.open()
            try await eventually("the pool to empty") { running.lastValue == 0 && free.lastValue == 3 }
            await manager.stop(wait: true)
        }
    }

    @Test func anUnboundedPoolHasNoFreeSlotsGauge() async throws {
        try await withTable(.sqlite) { db, table in
            let metrics = TestMetrics()
            _ = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withMetricsFactory(metrics)))
            #expect(try metrics.expectMeter("gta_pool_running_tasks").lastValue == 0)
            #expect(metrics.meters(label: "gta_pool_free_slots").isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func queueGaugesCountWaitingRowsPerKeyInOneQuery(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let metrics = TestMetrics()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withMetricsFactory(metrics)))
            try manager.register("busy", TaskDefinition(handler: { _, _ in }))
            try manager.register("idle", TaskDefinition(handler: { _, _ in }))
            try await table.insert(key: "busy", status: .initialized, argument: "1", age: 90)
            try await table.insert(key: "busy", status: .initialized, argument: "2", age: 30)
            try await table.insert(key: "busy", status: .initialized, argument: "3")
            try await table.insert(key: "busy", status: .running, argument: "4", age: 300)  // not waiting
            try await table.insert(key: "other", status: .initialized, argument: "5", age: 600)  // not this instance's key

            let gauges = try #require(manager.makeQueueGauges())
            #expect(await gauges.turn() == false)
            #expect(try metrics.expectMeter("gta_tasks_waiting", [("key", "busy")]).lastValue == 3)
            let lag = try #require(try metrics.expectMeter("gta_queue_lag_seconds", [("key", "busy")]).lastValue)
            #expect(lag >= 89 && lag < 100)
            #expect(try metrics.expectMeter("gta_tasks_waiting", [("key", "idle")]).lastValue == 0)
            #expect(try metrics.expectMeter("gta_queue_lag_seconds", [("key", "idle")]).lastValue == 0)
            #expect(metrics.meters(label: "gta_tasks_waiting").allSatisfy { m in !m.dimensions.contains { $0 == ("key", "other") } })

            // Once they are gone, the gauges read 0 again.
            try await db.execute("DELETE FROM \(table.quoted) WHERE task_key = 'busy'", [])
            await gauges.turn()
            #expect(try metrics.expectMeter("gta_tasks_waiting", [("key", "busy")]).lastValue == 0)
            #expect(try metrics.expectMeter("gta_queue_lag_seconds", [("key", "busy")]).lastValue == 0)
        }
    }

    /// SQLite returns `MIN(updated_at)` as untyped wall-time text: the lag must still be right
    /// when the database's time zone is not UTC.
    @Test func queueLagIsRightInAnotherTimeZone() async throws {
        try await withTable(.sqlite) { _, table in
            var configuration = SQLiteConfiguration(path: Backend.sqliteDirectory.appendingPathComponent(table.file + ".sqlite").path)
            configuration.timeZone = TimeZone(identifier: "Asia/Tokyo")!
            let db = try await SQLiteDatabase(configuration: configuration)
            let zoned = TestTable(db: db, name: table.name, file: table.file)
            let metrics = TestMetrics()
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withMetricsFactory(metrics)))
            try manager.register("k", TaskDefinition(handler: { _, _ in }))
            try await zoned.insert(key: "k", status: .initialized, argument: "1", age: 45)
            _ = try await #require(manager.makeQueueGauges()).turn()
            let lag = try #require(try metrics.expectMeter("gta_queue_lag_seconds", [("key", "k")]).lastValue)
            #expect(lag >= 44 && lag < 55)
            await db.close()
        }
    }

    @Test(arguments: Backend.allCases)
    func rescuesAndLostRacesAreCounted(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let metrics = TestMetrics()
            let manager = try TaskManager(
                db: db, table: table.name,
                options: noScanOptions(
                    RecordingLogger(), .withMetricsFactory(metrics), .withLeaseInterval(.milliseconds(100)),
                    .withLeaseExpiry(.seconds(1)), .withRescueLimit(1)))
            try manager.register("k", TaskDefinition(handler: { _, _ in }))
            try await table.insert(key: "k", status: .running, argument: "1", age: 60, extra: #"{"owner":"p1-00000000dead","runs":1}"#)
            try await table.insert(
                key: "k", status: .running, argument: "2", age: 60, extra: #"{"owner":"p1-00000000dead","runs":3,"lost":1}"#)
            #expect(await manager.makeRescuer().rescueAll() == 2)
            #expect(counter(metrics, "gta_tasks_rescued_total", [("key", "k"), ("outcome", "initialized")]) == 1)
            #expect(counter(metrics, "gta_tasks_rescued_total", [("key", "k"), ("outcome", "failed")]) == 1)

            // Rows someone else moved before their end was written.
            let moved = try await table.insert(key: "k", status: .failed, argument: "3", extra: manager.leaseExtra)
            let gone = try await table.insert(key: "k", status: .initialized, argument: "4", extra: manager.leaseExtra)
            await manager.statusWriter.write(id: moved, key: "k", outcome: .succeeded)
            await manager.statusWriter.write(id: gone, key: "k", outcome: .delete)
            #expect(counter(metrics, "gta_tasks_lost_races_total", [("key", "k"), ("outcome", "succeeded")]) == 1)
            #expect(counter(metrics, "gta_tasks_lost_races_total", [("key", "k"), ("outcome", "deleted")]) == 1)
        }
    }

    @Test func metricsOffRecordNothingAndSendNoQuery() async throws {
        try await withTable(.sqlite) { db, table in
            let metrics = TestMetrics()
            let manager = try TaskManager(
                db: db, table: table.name, options: noScanOptions(RecordingLogger(), .withMetricsFactory(metrics), .withMetrics(false)))
            try manager.register("k", TaskDefinition(handler: { _, _ in }))
            manager.start()
            try await manager.run("k", 1)
            try await eventually("the task to succeed") { try await table.userStatuses() == [.succeeded] }
            await manager.stop(wait: true)
            #expect(metrics.counters.isEmpty && metrics.meters.isEmpty && metrics.timers.isEmpty)
            #expect(manager.makeQueueGauges() == nil)
        }
    }

    @Test func withoutABootstrappedBackendNothingIsMade() async throws {
        try await withTable(.sqlite) { db, table in
            // No factory given; the test process never bootstraps swift-metrics.
            let manager = try TaskManager(db: db, table: table.name, options: noScanOptions(RecordingLogger()))
            #expect(!manager.metrics.isEnabled)
            #expect(manager.makeQueueGauges() == nil)
        }
    }

    @Test func thePrefixStartsEveryName() async throws {
        try await withTable(.sqlite) { db, table in
            let metrics = TestMetrics()
            let manager = try TaskManager(
                db: db, table: table.name,
                options: noScanOptions(RecordingLogger(), .withMetricsFactory(metrics), .withMetricsPrefix("billing_gta_"), .withPoolSize(2)))
            try manager.register("k", TaskDefinition(handler: { _, _ in }))
            manager.start()
            try await manager.run("k", 1)
            try await eventually("the task to succeed") { try await table.userStatuses() == [.succeeded] }
            await manager.stop(wait: true)
            #expect(counter(metrics, "billing_gta_tasks_succeeded_total", [("key", "k")]) == 1)
            #expect(!metrics.meters(label: "billing_gta_pool_free_slots").isEmpty)
            #expect(metrics.counters.allSatisfy { $0.label.hasPrefix("billing_gta_") })
        }
    }
}
