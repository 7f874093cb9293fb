import Foundation
@testable import GTA
import GTAMariaDB
import Testing

/// Three managers on three Galera nodes, one node killed with kill -9 mid-run and restarted:
/// every task runs, none stays behind, and every second run is of a row that was rescued.
/// Runs only under scripts/cluster-test, which starts the cluster and sets
/// GTA_CLUSTER_URLS (three node URLs, space-separated) and GTA_CLUSTER_SCRIPT (scripts/galera).
/// GTA_CLUSTER_TASKS sets the number of tasks (default 20,000).
@Suite(.serialized)
struct ClusterTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Runs scripts/galera with system(3) on a thread of its own (Foundation's Process did not
    /// report the end of a script that leaves a server running in the background).
    static func galera(_ arguments: String...) async throws {
        let script = environment["GTA_CLUSTER_SCRIPT"] ?? "scripts/galera"
        let command = ([script] + arguments).joined(separator: " ") + " </dev/null"
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: system(command)) }.start()
        }
        struct ScriptFailed: Error { var command: String; var status: Int32 }
        guard status == 0 else { throw ScriptFailed(command: command, status: status) }
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data("cluster test: \(text)\n".utf8))
    }

    /// `hostPolicy`: with `primary` every connection of a database goes to the first node,
    /// with `spread` they go to all three.
    @Test func primarySendsEveryConnectionToTheFirstNodeAndSpreadToEveryNode() async throws {
        let urls = (Self.environment["GTA_CLUSTER_URLS"] ?? "").split(separator: " ").map(String.init)
        try #require(urls.count == 3, "GTA_CLUSTER_URLS must name three Galera nodes: run the cluster tests with scripts/cluster-test")
        let nodes = try urls.map { try MariaDBConfiguration(url: $0).hosts[0] }
        for policy in [MariaDBConfiguration.HostPolicy.primary, .spread] {
            var configuration = try MariaDBConfiguration(url: urls[0])
            configuration.hosts = nodes
            configuration.hostPolicy = policy
            configuration.maximumConnections = 6
            let db = MariaDBDatabase(configuration: configuration)
            var held: [MariaDBConnection] = []
            for _ in 0..<6 { held.append(try await db.pool.acquire()) }
            var ports: [Int] = []
            for connection in held {
                ports.append(try #require(try await connection.query("SELECT @@port AS p", []).first?.decode(Int.self, "p")))
                db.pool.release(connection)
            }
            if policy == .primary { #expect(ports == Array(repeating: nodes[0].port, count: 6)) }
            else { #expect(Set(ports) == Set(nodes.map(\.port))) }
            await db.shutdown()
        }
    }

    @Test func threeManagersOnThreeNodesLoseNothingWhenANodeIsKilled() async throws {
        let urls = (Self.environment["GTA_CLUSTER_URLS"] ?? "").split(separator: " ").map(String.init)
        try #require(urls.count == 3, "GTA_CLUSTER_URLS must name three Galera nodes: run the cluster tests with scripts/cluster-test")
        let count = Int(Self.environment["GTA_CLUSTER_TASKS"] ?? "") ?? 20000
        let nodes = try urls.map { try MariaDBConfiguration(url: $0).hosts[0] }
        // Manager i prefers node i and fails over to the others, in order.
        let databases = try urls.indices.map { i -> MariaDBDatabase in
            var configuration = try MariaDBConfiguration(url: urls[i])
            configuration.hosts = Array(nodes[i...] + nodes[..<i])
            configuration.maximumConnections = 10
            configuration.connectTimeout = .seconds(2)
            return MariaDBDatabase(configuration: configuration)
        }
        let table = try await TestTable.make(databases[0], "cluster_node_kill", file: "")
        let runs = Recorder<Int>()
        let logger = RecordingLogger()
        let managers = try databases.map { db in
            let manager = try TaskManager(
                db: db, table: table.name,
                options: fastOptions(logger, .withLeaseInterval(.milliseconds(500)), .withLeaseExpiry(.seconds(3)), .withPoolSize(16)))
            try manager.register("work", TaskDefinition(argumentType: Int.self) { _, n in
                runs.append(n)
                try await Task.sleep(for: .milliseconds(3))
            })
            return manager
        }
        let creator = managers[0]
        for chunk in stride(from: 0, to: count, by: 500) {
            let arguments: [(any Encodable & Sendable)?] = (chunk..<min(chunk + 500, count)).map { $0 }
            try await ConflictRetrying.run {
                try await databases[0].transaction { tx in try await creator.runBatchWithTx(tx, "work", arguments) }
            }
        }
        let started = ContinuousClock.now
        for manager in managers { manager.start() }

        try await eventually("a third of the tasks to run", timeout: .seconds(120)) { runs.all.count >= count / 3 }
        let killedAt = ContinuousClock.now - started
        Self.note("killing node 2 after \(runs.all.count) runs")
        try await Self.galera("kill", "2")
        try await Task.sleep(for: .seconds(5))
        Self.note("restarting node 2")
        try await Self.galera("restart", "2")
        Self.note("node 2 is back")
        let restartedAt = ContinuousClock.now - started

        try await eventually("every task to succeed", timeout: .seconds(300)) {
            try await table.count(.succeeded) == count
        }
        let drained = ContinuousClock.now - started
        Self.note("all succeeded after \(drained); stopping the managers")
        for manager in managers { await manager.stop(wait: true) }
        Self.note("managers stopped")

        let all = runs.all
        let distinct = Set(all)
        #expect(distinct == Set(0..<count), "lost: \(count - distinct.count)")
        #expect(try await table.count() == count)
        // Every duplicate is of a row that was rescued (its extra counts a lost worker).
        var timesRun: [Int: Int] = [:]
        for n in all { timesRun[n, default: 0] += 1 }
        let duplicated = timesRun.filter { $0.value > 1 }
        var unexplained = 0
        for row in try await databases[0].query("SELECT argument, extra FROM \(table.quoted)", []) {
            guard let n = Int(try row.decode(String.self, "argument")), duplicated[n] != nil else { continue }
            let extra = TaskExtra.read(try row.decode([UInt8]?.self, "extra"))
            if extra.lost == 0 { unexplained += 1 }
        }
        #expect(unexplained == 0)
        print("""
            cluster test: \(count) tasks, 3 managers on 3 nodes; node 2 killed at \(killedAt), restarted by \(restartedAt); \
            all succeeded after \(drained); runs \(all.count), duplicates \(all.count - distinct.count) \
            (rows run twice: \(duplicated.count), unexplained: \(unexplained)); lost \(count - distinct.count)
            """)
        for db in databases { await db.shutdown() }
    }
}

/// The test's own inserts meet certification failures too; it runs them again.
enum ConflictRetrying {
    static func run(_ body: () async throws -> Void) async throws {
        for attempt in 1...5 {
            do { return try await body() } catch let error as MariaDBError where error.isConflict && attempt < 5 { continue }
        }
    }
}
