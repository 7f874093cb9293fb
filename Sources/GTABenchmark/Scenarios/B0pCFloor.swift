#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import GTA
import GTABackendKit
import GTAMariaDB
import Synchronization

/// B0': the SQL floor measured by `mysqlslap`, a client no one here wrote: B0's loop, run by
/// `--producers` clients, `--tasks` pairs in all.
enum CFloor: Scenario {
    static let id = "B0'"

    /// Pairs per second, by mysqlslap's own count of seconds.
    static func measure(_ bench: BenchContext, run _: Int) throws -> Double {
        let o = bench.options
        let perClient = (o.tasks + o.producers - 1) / o.producers
        let seconds = try slap(configuration: bench.configuration, query: pairQuery, statements: perClient * o.producers * 2,
                               concurrency: o.producers, binary: o.mysqlslap)
        return Double(perClient * o.producers) / seconds
    }

    static func result(of rates: [Double], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "C floor, mysqlslap", unit: "pairs/s", figure: Summary(values: rates),
                       details: [("concurrency", .int(bench.options.producers)), ("pairs", .int(bench.options.tasks))])
    }

    /// B0's pair: the INSERT, then the UPDATE of the row it made (`LAST_INSERT_ID()`).
    static let pairQuery = """
        \(insertQuery.replacing("'initialized'", with: "'running'"));\
        UPDATE t SET task_status = 'succeeded', updated_at = NOW() WHERE id = LAST_INSERT_ID() AND task_status = 'running'
        """

    /// The library's insert of a new task row, as text.
    static let insertQuery = """
        INSERT INTO t (task_key, task_status, context, argument, extra, created_at, updated_at) \
        VALUES ('bench', 'initialized', NULL, '1', '{}', NOW(), NOW())
        """

    /// Runs mysqlslap once: `concurrency` clients running `query` (statements separated by
    /// `;`) over and over, `statements` statements in all (split evenly over the clients), on
    /// the library's table definition. Returns the seconds mysqlslap reports for running the
    /// queries (schema creation not included).
    static func slap(configuration c: MariaDBConfiguration, query: String, statements: Int, concurrency: Int, binary: String) throws -> Double {
        let create = TaskTable.createStatements(for: try TableName("t"), dialect: MariaDBDatabase.dialect, ifNotExists: false)[0].sql
            .replacing("\n", with: " ")
        var arguments = [
            "--no-defaults", "--user=\(c.user)", "--create-schema=gta_bench_slap",
            "--create=\(create)", "--query=\(query)", "--delimiter=;",
            "--concurrency=\(concurrency)", "--number-of-queries=\(statements)", "--iterations=1",
        ]
        if let socket = c.unixSocket {
            arguments += ["--protocol=SOCKET", "--socket=\(socket)"]
        } else {
            arguments += ["--protocol=TCP", "--host=\(c.host)", "--port=\(c.port)"]
        }
        var path = binary
        if !binary.contains("/") {
            path = "/usr/bin/env"
            arguments.insert(binary, at: 0)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["MYSQL_PWD"] = c.password  // not on the command line
        let process = try ChildProcess(path: path, arguments: arguments, environment: environment)
        process.closeInput()
        // Standard error is read on a thread of its own so that neither pipe can fill up.
        let errorFD = process.error
        let errorThread = BlockingThread(name: "mysqlslap-stderr")
        defer { errorThread.stop() }
        let errorBytes = Mutex<[UInt8]>([])
        let errorDone = Atomic<Bool>(false)
        errorThread.submit {
            let bytes = ChildProcess.readToEnd(errorFD)
            errorBytes.withLock { $0 = bytes }
            errorDone.store(true, ordering: .releasing)
        }
        let output = String(decoding: ChildProcess.readToEnd(process.output), as: UTF8.self)
        let status = process.waitForExit()
        while !errorDone.load(ordering: .acquiring) { usleep(1000) }
        let errors = String(decoding: errorBytes.withLock { $0 }, as: UTF8.self)
        guard status == 0 else {
            throw BenchError("mysqlslap failed (exit \(status)): \(errors)\(output)")
        }
        for line in output.split(separator: "\n") where line.contains("Average number of seconds to run all queries:") {
            let parts = line.split(separator: ":").last?.split(separator: " ") ?? []
            if let seconds = parts.first.flatMap({ Double($0) }), seconds > 0 { return seconds }
        }
        throw BenchError("could not read mysqlslap's output:\n\(output)\(errors)")
    }
}
