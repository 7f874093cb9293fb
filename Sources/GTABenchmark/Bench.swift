#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTAMariaDB

/// One invocation: reads the server's settings, runs the chosen scenarios in order on one shared
/// set-up, adds M (peak memory during B1 and B2), and prints the table or the JSON lines.
struct Bench: Sendable {
    let options: BenchOptions

    func runAll() async throws {
        guard let url = options.databaseURL else {
            throw BenchError("no database URL: pass --url or set GTA_BENCH_DATABASE_URL")
        }
        DebugRSS.log("RSS at start \(MemorySampler.status("VmRSS") ?? 0) kB")
        let configuration = try MariaDBConfiguration(url: url)
        let probe = MariaDBDatabase(configuration: configuration)
        let server = try await ServerInfo.read(probe)
        await probe.shutdown()
        DebugRSS.log("RSS after probe \(MemorySampler.status("VmRSS") ?? 0) kB")
        let dropped = CleanPages.drop()
        DebugRSS.log("RSS after dropping \(dropped) kB of clean file pages \(MemorySampler.status("VmRSS") ?? 0) kB")
        let started = Date()
        if !options.json {
            print("gta-bench \(isoUTC(started))")
            print("server: \(server.summary)")
            print("client: \(BuildInfo.linking), \(BuildInfo.connector), \(MallocSettings.summary), \(OpenSSLSettings.summary), clean start-up pages dropped: \(CleanPages.enabled ? "yes" : "no"), Foundation mapped: \(BuildInfo.foundationMapped)")
            print(BuildInfo.layout)
            print("tasks \(options.tasks), producers \(options.producers), runs \(options.runs), B3 calls \(options.latencyCalls), B4 batch \(options.batchSize), B2x4 processes \(options.processes)")
            print("")
        }
        let bench = BenchContext(options: options, url: url, configuration: configuration)
        var results: [ScenarioResult] = []
        for scenario in options.scenarios.chosen {
            progress("\(scenario.id): running \(options.runs) run(s)")
            MallocSettings.trim()
            results.append(try await scenario.run(bench))
        }
        if let memory = PeakMemory.result(from: results) { results.append(memory) }
        let report = Report(results: results, server: server, date: started)
        if options.json { report.printJSONLines() } else { report.printTable() }
    }
}

/// A progress line on stderr (stdout carries only the table or the JSON lines).
func progress(_ message: String) {
    writeStandardError("[gta-bench] \(message)\n")
}
