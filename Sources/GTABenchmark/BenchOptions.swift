import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every option of `gta-bench`, its default and its rule (each count must be positive).
struct BenchOptions: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("The database URL (default: $GTA_BENCH_DATABASE_URL).", valueName: "url"))
    var url: String?

    // The counts, each a positive integer.
    @Option(help: .count("Tasks (INSERT+UPDATE pairs in B0 and B0', inserts in B0i, rows in B0b) per run of every scenario but B3.")) var tasks = 20_000
    @Option(help: .count("Concurrent producers in B1; connections in B0 and B0b, clients in B0' and B0i.")) var producers = 8
    @Option(help: .count("Runs per scenario; median, min and max are printed.")) var runs = 3
    @Option(help: .count("Sequential `run` calls in B3 (inserts in B0l).")) var latencyCalls = 2_000
    @Option(help: .count("Tasks per transaction in B4.")) var batchSize = 500
    @Option(help: .count("Worker processes in B2x4.")) var processes = 4

    @Option(
        name: [.customLong("scenarios"), .customLong("only")],
        help: ArgumentHelp(
            "Comma-separated subset of \(Scenarios.ids.joined(separator: ",")), in any case; "
                + "B0' may be written B0p; M (peak memory, which comes with B1 and B2) means B1,B2. (default: all)",
            valueName: "list"),
        transform: ScenarioSelection.init(parsing:)
    )
    var scenarios = ScenarioSelection.all

    @Option(help: ArgumentHelp("The task table to drop and recreate.", valueName: "name"))
    var table = "gta_bench_tasks"

    @Option(help: ArgumentHelp("The mysqlslap binary for B0' and B0i (a bare name is looked up on PATH).", valueName: "path"))
    var mysqlslap = "mysqlslap"

    @Flag(help: "B2x4 with a URL of several hosts: worker i gets the host list rotated by i, so that with the default host policy (primary) each process prefers its own host.")
    var rotateHosts = false

    @Flag(help: "One JSON object per scenario, one per line, instead of the table.")
    var json = false

    /// `--url`, else `GTA_BENCH_DATABASE_URL`.
    var databaseURL: String? { url ?? ProcessInfo.processInfo.environment["GTA_BENCH_DATABASE_URL"] }

    func validate() throws {
        let counts = [
            ("--tasks", tasks), ("--producers", producers), ("--runs", runs),
            ("--latency-calls", latencyCalls), ("--batch-size", batchSize), ("--processes", processes),
        ]
        for (name, value) in counts where value <= 0 {
            throw ValidationError("\(name) must be a positive integer, got '\(value)'")
        }
    }
}

extension ArgumentHelp {
    /// The help of a count option: `--name <n>`.
    static func count(_ text: String) -> ArgumentHelp { ArgumentHelp(text, valueName: "n") }
}
