import Foundation
import GTAMariaDB
import Testing

@testable import GTA

/// A server of the test's own (without TLS): a restart, where every pooled connection dies at
/// once and the manager reports what it meets as typed errors, loses no task, and goes on with
/// fresh connections; and required TLS against a server that has none.
@Suite(.serialized) struct ServerRestartTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs scripts/mariadb for a server of this test's own (its own port and datadir), through
    /// `posix_spawn` and `waitpid`: the server the script leaves running must not keep the test
    /// waiting on an inherited pipe.
    @discardableResult
    static func server(_ command: String, environment: String = "") async throws -> String {
        // The script takes seconds: run it on a thread of its own, never on the cooperative pool
        // (two threads on this machine), where it would stall every other test running meanwhile.
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingServer(command, environment: environment) })
            }
        }
    }

    /// Runs `body` with a server of the test's own, stopped whatever `body` does.
    static func withServer<T>(environment: String = "", _ body: (String) async throws -> T) async throws -> T {
        let url = try await server("start", environment: environment)
        do {
            let result = try await body(url)
            _ = try? await server("stop")
            return result
        } catch {
            _ = try? await server("stop")
            throw error
        }
    }

    private static func blockingServer(_ command: String, environment: String) throws -> String {
        let output = "/tmp/gta-restart-\(getpid())-\(command).out"
        let script = root.appendingPathComponent("scripts/mariadb").path
        let line = "\(environment) GTA_DB_TLS=off GTA_DB_PORT=\(20000 + getpid() % 10000) GTA_DB_DIR=/tmp/gta-restart-test-\(getpid()) '\(script)' \(command) >'\(output)' 2>&1 </dev/null"
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", line]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
        guard spawned == 0 else { throw TimedOut(what: "spawning scripts/mariadb \(command): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        unlink(output)
        guard status == 0 else { throw TimedOut(what: "scripts/mariadb \(command) (status \(status)): \(text)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A database on the test's own server.
    static func database(_ url: String, connections: Int, connectTimeout: Duration = .seconds(2)) throws -> MariaDBDatabase {
        var configuration = try MariaDBConfiguration(url: url)
        configuration.maximumConnections = connections
        configuration.connectTimeout = connectTimeout
        return MariaDBDatabase(configuration: configuration)
    }

    @Test func aRestartCostsThePoolOneFailedStatement() async throws {
        try await Self.withServer { url in
            let db = try Self.database(url, connections: 4, connectTimeout: .seconds(2))
            var held: [MariaDBConnection] = []
            for _ in 0..<4 { held.append(try await db.pool.acquire()) }
            for connection in held { db.pool.release(connection) }
            #expect(db.pool.statistics.idle == 4)

            try await Self.server("restart")

            // Every idle connection died with the server. The first statement meets one; the pool
            // then checks the other idle connections before handing them out.
            var lost = 0
            for _ in 0..<4 {
                do {
                    _ = try await db.query("SELECT 1 AS one", [])
                } catch let error as MariaDBError where error.isConnectionLost {
                    lost += 1
                }
            }
            #expect(lost == 1)
            await db.shutdown()
        }
    }

    @Test func theManagerGoesOnAfterAServerRestart() async throws {
        try await Self.withServer { url in

            // Required TLS against a server without TLS is refused, never quietly plain text.
            var encrypted = try MariaDBConfiguration(url: url)
            encrypted.tls = .require
            let refused = MariaDBDatabase(configuration: encrypted)
            do {
                _ = try await refused.query("SELECT 1", [])
                Issue.record("a plain connection was accepted where TLS was required")
            } catch let error as MariaDBError {
                #expect(error.kind == .connect)
            }
            await refused.shutdown()

            let db = try Self.database(url, connections: 4, connectTimeout: .seconds(2))
            try await TaskTable.create(named: "restart_tasks", on: db)
            let logger = RecordingLogger()
            let manager = try TaskManager(
                db: db, table: "restart_tasks",
                options: [.withLoggerFactory(logger.factory), .withScanInterval(.milliseconds(200)), .withInstantScanInterval(.milliseconds(20))])
            let ran = Recorder<Int>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, n in ran.append(n) })
            manager.start()
            try await manager.run("k", 1)
            try await eventually("the first task") { ran.all == [1] }

            try await Self.server("restart")

            // Creating a task may meet a pooled connection the restart killed: the insert's outcome
            // is then unknown (a typed error over the backend's connection-lost error), and a fresh
            // connection serves the next try.
            var lost = 0
            for _ in 0..<6 {
                do {
                    try await manager.run("k", 2)
                    break
                } catch let error as GTAError where error.code == .commitOutcomeUnknown {
                    #expect((error.underlying as? MariaDBError)?.isConnectionLost == true)
                    lost += 1
                }
            }
            #expect(lost <= 4)
            // The scanner, which met the dead connections too, claims again.
            try await db.execute(
                "INSERT INTO restart_tasks (task_key, task_status, argument, extra, created_at, updated_at) VALUES ('k', 'initialized', '3', '{}', ?, ?)",
                [.date(Date()), .date(Date())])
            try await eventually("the tasks created after the restart", timeout: .seconds(15)) { Set(ran.all) == [1, 2, 3] }
            try await eventually("every row to succeed") {
                let rows = try await db.query("SELECT task_status FROM restart_tasks WHERE task_key = 'k'", [])
                return try rows.count == 3 && rows.allSatisfy { try $0.decode(String.self, "task_status") == "succeeded" }
            }
            #expect(ran.count == 3)
            await manager.stop(wait: true)
            await db.shutdown()
        }
    }

    /// A handler that ends while the server is down: its final status is written once the server
    /// is back, however long that takes (the write is retried with backoff, never dropped).
    @Test func aFinalStatusWriteOutlivesAServerOutage() async throws {
        try await Self.withServer { url in
            let db = try Self.database(url, connections: 4, connectTimeout: .seconds(1))
            try await TaskTable.create(named: "outage_tasks", on: db)
            let logger = RecordingLogger()
            let manager = try TaskManager(db: db, table: "outage_tasks", options: noScanOptions(logger))
            let gate = Gate()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { _, _ in await gate.wait() })
            manager.start()
            try await manager.run("k", 1)

            try await Self.server("halt")
            gate.open()
            // Longer than the old writer's five quick tries; new connections now fail to connect.
            try await Task.sleep(for: .seconds(3))
            try await Self.server("resume")

            try await eventually("the final status after the outage", timeout: .seconds(30)) {
                let rows = try await db.query("SELECT task_status FROM outage_tasks WHERE task_key = 'k'", [])
                return try rows.count == 1 && rows[0].decode(String.self, "task_status") == "succeeded"
            }
            #expect(logger.contains("WARN", "final status write failed, retrying"))
            await manager.stop(wait: true)
            await db.shutdown()
        }
    }

    /// A task larger than the server's packet limit is refused before it is sent, as an invalid
    /// argument; nothing is written and the connection goes on.
    @Test func aTaskLargerThanThePacketLimitIsRefusedBeforeSending() async throws {
        try await Self.withServer(environment: "GTA_DB_MAX_PACKET=1M") { url in
            let db = try Self.database(url, connections: 1)
            try await TaskTable.create(named: "packet_tasks", on: db)
            let manager = try TaskManager(db: db, table: "packet_tasks", options: noScanOptions(RecordingLogger()))
            try manager.register("k", TaskDefinition(argumentType: String.self) { _, _ in })
            let large = String(repeating: "x", count: 2 << 20)
            await #expect(throws: GTAError.definitionArgumentInvalid) { try await manager.run("k", large) }
            await #expect(throws: GTAError.definitionArgumentInvalid) {
                try await manager.transaction { tx in try await manager.runBatchWithTx(tx, "k", ["small", large]) }
            }
            // The one connection is still good, and nothing was written.
            let rows = try await db.query("SELECT COUNT(*) AS n FROM packet_tasks WHERE task_key = 'k'", [])
            #expect(try rows[0].decode(Int.self, "n") == 0)
            try await manager.run("k", "small")
            await manager.stop(wait: true)
            await db.shutdown()
        }
    }
}
