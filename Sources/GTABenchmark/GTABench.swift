import ArgumentParser

/// `gta-bench`: the scenarios of BENCHMARK.md against a MariaDB server.
/// `gta-bench --help` lists the options. `gta-bench __worker ...` is the hidden worker mode
/// the four-process scan drain (B2x4) launches.
@main
struct GTABench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gta-bench",
        abstract: "The scenarios of BENCHMARK.md (B0 to B4 and M) against a MariaDB server.",
        discussion: """
            Drops and recreates the task table before every run, and B0' creates and drops the \
            schema gta_bench_slap. Prints a table, or with --json one JSON object per scenario. \
            scripts/bench starts a throwaway durable server and runs this with the arguments given.
            """
    )

    @OptionGroup var options: BenchOptions

    /// `gta-bench __worker ...` is B2x4's worker (`Worker`), parsed on its own so that it stays
    /// out of the usage line; anything else is the benchmark.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == Worker.command {
            await Worker.main(Array(arguments.dropFirst()))
        } else {
            await main(arguments)
        }
    }

    func run() async throws {
        try await Bench(options: options).runAll()
    }
}
