import Foundation
import GTA
import GTAMariaDB

/// B0': the SQL floor measured by `mysqlslap`, a client no one here wrote: B0's loop, run by
/// `--producers` clients, `--tasks` pairs in all.
enum CFloor: Scenario {
    static let id = "B0'"

    /// Pairs per second, by mysqlslap's own count of seconds.
    static func measure(_ bench: BenchContext, run _: Int) throws -> Double {
        let o = bench.options
        let seconds = try slap(configuration: bench.configuration, pairs: o.tasks, concurrency: o.producers, binary: o.mysqlslap)
        return Double(o.tasks) / seconds
    }

    static func result(of rates: [Double], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "C floor, mysqlslap", unit: "pairs/s", figure: Summary(values: rates),
                       details: [("concurrency", .int(bench.options.producers)), ("pairs", .int(bench.options.tasks))])
    }

    /// Runs mysqlslap once: `concurrency` clients, `pairs` INSERT+UPDATE pairs in all, each
    /// UPDATE moving the row its INSERT made (`LAST_INSERT_ID()`). Returns the seconds mysqlslap
    /// reports for running the queries (schema creation not included).
    private static func slap(configuration c: MariaDBConfiguration, pairs: Int, concurrency: Int, binary: String) throws -> Double {
        // One query list of two statements; --number-of-queries counts statements and is split
        // evenly over the clients, so each client runs its share of whole pairs.
        let perClient = (pairs + concurrency - 1) / concurrency
        let create = TaskTable.createStatements(for: try TableName("t"), dialect: MariaDBDatabase.dialect, ifNotExists: false)[0].sql
            .replacingOccurrences(of: "\n", with: " ")
        let query = """
            INSERT INTO t (task_key, task_status, context, argument, extra, created_at, updated_at) \
            VALUES ('bench', 'running', NULL, '1', '{}', NOW(), NOW());\
            UPDATE t SET task_status = 'succeeded', updated_at = NOW() WHERE id = LAST_INSERT_ID() AND task_status = 'running'
            """
        var arguments = [
            "--no-defaults", "--user=\(c.user)", "--create-schema=gta_bench_slap",
            "--create=\(create)", "--query=\(query)", "--delimiter=;",
            "--concurrency=\(concurrency)", "--number-of-queries=\(perClient * concurrency * 2)", "--iterations=1",
        ]
        if let socket = c.unixSocket {
            arguments += ["--protocol=SOCKET", "--socket=\(socket)"]
        } else {
            arguments += ["--protocol=TCP", "--host=\(c.host)", "--port=\(c.port)"]
        }
        let process = Process()
        if binary.contains("/") {
            process.executableURL = URL(fileURLWithPath: binary)
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            arguments.insert(binary, at: 0)
        }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MYSQL_PWD"] = c.password  // not on the command line
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("mysqlslap failed (exit \(process.terminationStatus)): \(errors)\(output)")
        }
        for line in output.split(separator: "\n") where line.contains("Average number of seconds to run all queries:") {
            let parts = line.split(separator: ":").last?.split(separator: " ") ?? []
            if let seconds = parts.first.flatMap({ Double($0) }), seconds > 0 { return seconds }
        }
        throw BenchError("could not read mysqlslap's output:\n\(output)\(errors)")
    }
}
