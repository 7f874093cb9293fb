import Foundation
import GTA
import GTAMariaDB

/// `gta-bench`: the scenarios of BENCHMARK.md against a MariaDB server.
/// `gta-bench --help` lists the options. `gta-bench __worker ...` is the hidden worker mode
/// the four-process scan drain (B2x4) launches.
@main
struct GTABench {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if arguments.first == Worker.command {
                try await Worker.main(Array(arguments.dropFirst()))
                return
            }
            let options = try BenchOptions.parse(arguments)
            if options.help {
                print(BenchOptions.usage)
                return
            }
            try await Bench(options: options).runAll()
        } catch {
            FileHandle.standardError.write(Data("gta-bench: \(error)\n".utf8))
            exit(1)
        }
    }
}
