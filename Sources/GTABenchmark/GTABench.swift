import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `gta-bench`: the scenarios of BENCHMARK.md against a MariaDB server.
/// `gta-bench --help` lists the options. `gta-bench __worker ...` is the hidden worker mode
/// the four-process scan drain (B2x4) launches; `gta-bench __link-order ...` writes the symbol
/// ordering file of `scripts/bench`'s second link (`LinkOrder`).
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

    /// `gta-bench __worker ...` is B2x4's worker (`Worker`) and `gta-bench __link-order ...`
    /// writes a link order (`LinkOrder`), each parsed on its own so that they stay out of the
    /// usage line; anything else is the benchmark.
    static func main() async {
        MallocSettings.apply()
        OpenSSLSettings.apply()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == Worker.command {
            await Worker.main(Array(arguments.dropFirst()))
        } else if arguments.first == LinkOrder.command {
            LinkOrder.main(Array(arguments.dropFirst()))
        } else {
            await main(arguments)
        }
    }

    func run() async throws {
        try await Bench(options: options).runAll()
    }
}

/// The process's malloc settings, an application's choice (the library makes none): one glibc
/// arena instead of up to eight per core. Each thread that allocates (the cooperative pool,
/// every connection's thread) otherwise gets an arena of its own that keeps what it freed;
/// measured here, one arena lowers B2's peak by about 3.5 MB at no cost in speed.
/// `GTA_BENCH_MALLOC_ARENA_MAX` overrides it (0: glibc's default).
enum MallocSettings {
    static var arenaMax: Int32 {
        Int32(ProcessInfoLite.environment("GTA_BENCH_MALLOC_ARENA_MAX") ?? "") ?? 1
    }

    static func apply() {
        // mallopt is declared in <malloc.h>, which the Glibc module leaves out: look it up.
        // M_ARENA_MAX is -8.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard arenaMax > 0, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, arenaMax)
    }

    /// glibc's `malloc_trim(0)`: the heap a finished scenario freed goes back to the kernel.
    /// `Bench` calls it before each scenario, so that a scenario's RSS starts from what the
    /// process holds, not from what the one before it left in malloc's free lists (B0b, which
    /// is no library code, leaves about 2 MB there). Not between the runs of one scenario.
    static func trim() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// For the header.
    static var summary: String {
        (arenaMax > 0 ? "malloc: M_ARENA_MAX=\(arenaMax)" : "malloc: glibc defaults") + ", trimmed before each scenario"
    }
}

/// An environment variable, without Foundation.
enum ProcessInfoLite {
    static func environment(_ name: String) -> String? {
        #if canImport(Glibc)
        return getenv(name).map { String(cString: $0) }
        #else
        return nil
        #endif
    }
}
