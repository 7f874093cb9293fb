import ArgumentParser
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `gta-bench`'s entry point. `gta-bench __worker ...` is B2x4's worker (`Worker`) and
/// `gta-bench __link-order ...` writes a link order (`LinkOrder`), each parsed on its own so that
/// they stay out of the usage line; anything else is the benchmark (`GTABench`).
///
/// The main thread waits for the work and then exits the process; it does not become the main
/// queue's thread. An `async` main would hand the main thread to `dispatch_main`, which ends it
/// with `pthread_exit`, and that unwinds its stack: in the static executable `scripts/bench`
/// links, libgcc's first unwind reads and sorts the whole of `.eh_frame` (2.4 MB, all of it
/// resident from then on, and its sorted index on the heap), where a dynamically linked binary
/// looks the one frame up through `.eh_frame_hdr`. Nothing in the bench uses the main actor.
@main
enum GTABenchEntry {
    static func main() {
        MallocSettings.apply()
        OpenSSLSettings.apply()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let done = DispatchSemaphore(value: 0)
        // The root of everything the process does, waited for here. Detached: a task made here
        // would inherit the main actor, whose executor is this thread, which is waiting.
        Task.detached {
            if arguments.first == Worker.command {
                await Worker.main(Array(arguments.dropFirst()))
            } else if arguments.first == LinkOrder.command {
                LinkOrder.main(Array(arguments.dropFirst()))
            } else {
                await GTABench.main(arguments)
            }
            done.signal()
        }
        done.wait()
        exit(0)
    }
}

/// `gta-bench`: the scenarios of BENCHMARK.md against a MariaDB server.
/// `gta-bench --help` lists the options.
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
        guard arenaMax > 0 else { return }
        _ = glibcMallopt(-8, arenaMax)  // M_ARENA_MAX
    }

    /// glibc's `malloc_trim(0)`: the heap a finished scenario freed goes back to the kernel.
    /// `Bench` calls it before each scenario, so that a scenario's RSS starts from what the
    /// process holds, not from what the one before it left in malloc's free lists (B0b, which
    /// is no library code, leaves about 2 MB there). Not between the runs of one scenario.
    static func trim() {
        _ = glibcMallocTrim(0)
    }

    /// For the header.
    static var summary: String {
        (arenaMax > 0 ? "malloc: M_ARENA_MAX=\(arenaMax)" : "malloc: glibc defaults") + ", trimmed before each scenario"
    }
}

// glibc's mallopt and malloc_trim are declared in <malloc.h>, which the Glibc module leaves
// out. They are named here rather than looked up with dlsym, which finds nothing in a static
// executable (scripts/bench links one). Both take and return plain integers.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

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
