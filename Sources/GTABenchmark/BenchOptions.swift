import Foundation

struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// The command line, parsed by hand (a handful of `--name value` options).
struct BenchOptions: Sendable {
    static let allScenarios = ["B0", "B0'", "B1", "B2", "B2x4", "B3", "B4"]

    var url: String? = ProcessInfo.processInfo.environment["GTA_BENCH_DATABASE_URL"]
    var tasks = 20_000
    var producers = 8
    var runs = 3
    var latencyCalls = 2_000
    var batchSize = 500
    var processes = 4
    var json = false
    var scenarios = BenchOptions.allScenarios
    var table = "gta_bench_tasks"
    var mysqlslap = "mysqlslap"
    var help = false

    static let usage = """
        usage: gta-bench [options]
          --url URL            database URL (default: $GTA_BENCH_DATABASE_URL)
          --tasks N            tasks (or INSERT+UPDATE pairs) per run of B0, B0', B1, B2, B2x4, B4 (default 20000)
          --producers N        concurrent producers in B1, connections in B0 and B0' (default 8)
          --runs N             runs per scenario; median, min and max are printed (default 3)
          --latency-calls N    sequential `run` calls in B3 (default 2000)
          --batch-size N       tasks per transaction in B4 (default 500)
          --processes N        worker processes in B2x4 (default 4)
          --scenarios LIST     comma-separated subset of B0,B0',B1,B2,B2x4,B3,B4 (M comes with B1 and B2);
                               B0' may also be written B0p (default: all)
          --table NAME         the task table to (re)create (default gta_bench_tasks)
          --mysqlslap PATH     the mysqlslap binary (default: mysqlslap on PATH)
          --json               one JSON object per scenario, one per line, instead of the table
        """

    static func parse(_ arguments: [String]) throws -> BenchOptions {
        var options = BenchOptions()
        var i = 0
        func value(_ name: String) throws -> String {
            i += 1
            guard i < arguments.count else { throw UsageError(description: "\(name) needs a value\n\(usage)") }
            return arguments[i]
        }
        func positive(_ name: String) throws -> Int {
            let text = try value(name)
            guard let n = Int(text), n > 0 else { throw UsageError(description: "\(name) must be a positive integer, got '\(text)'") }
            return n
        }
        while i < arguments.count {
            var argument = arguments[i]
            // Accept --name=value as well as --name value.
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                let name = String(argument[..<eq])
                var rest = arguments
                rest.replaceSubrange(i...i, with: [name, String(argument[argument.index(after: eq)...])])
                return try parse(rest)
            }
            switch argument {
            case "--url": options.url = try value(argument)
            case "--tasks": options.tasks = try positive(argument)
            case "--producers": options.producers = try positive(argument)
            case "--runs": options.runs = try positive(argument)
            case "--latency-calls": options.latencyCalls = try positive(argument)
            case "--batch-size": options.batchSize = try positive(argument)
            case "--processes": options.processes = try positive(argument)
            case "--table": options.table = try value(argument)
            case "--mysqlslap": options.mysqlslap = try value(argument)
            case "--json": options.json = true
            case "-h", "--help": options.help = true
            case "--scenarios", "--only":
                let list = try value(argument).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                var chosen: [String] = []
                for item in list {
                    argument = item.uppercased()
                    if argument == "B0P" || argument == "B0PRIME" { argument = "B0'" }
                    if argument == "M" {
                        chosen += ["B1", "B2"]
                        continue
                    }
                    guard let known = allScenarios.first(where: { $0.uppercased() == argument }) else {
                        throw UsageError(description: "unknown scenario '\(item)'; known: \(allScenarios.joined(separator: ",")),M")
                    }
                    chosen.append(known)
                }
                options.scenarios = allScenarios.filter { chosen.contains($0) }
            default:
                throw UsageError(description: "unknown argument '\(argument)'\n\(usage)")
            }
            i += 1
        }
        return options
    }
}
