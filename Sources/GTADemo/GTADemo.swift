import Foundation
import GTA

/// `gta-demo`: every way of creating and running a task, on a SQLite file or a MariaDB server.
@main
struct GTADemo {
    static let usage = """
        usage: gta-demo [DATABASE-URL | --database PATH] [--verbose]

        Shows the gta task library at work: creates a task table and an orders table, starts a
        TaskManager, creates tasks in every way the library offers (with business rows in one
        transaction, with retries, in a transaction that rolls back, through the scanner), shows
        them run, stops the manager and prints a report read from the table. Takes a few seconds.

          (no argument)               SQLite file ./gta-demo.sqlite, deleted and recreated
          --database PATH             SQLite file at PATH, deleted and recreated
          sqlite:PATH                 the same, as a URL (sqlite:///abs/path.sqlite for an absolute path)
          mysql://USER:PASSWORD@HOST:PORT/DATABASE   (or mariadb://...)
                                      MariaDB or MySQL; the tables gta_demo_tasks, gta_demo_orders
                                      and gta_demo_errors are dropped and recreated
          -v, --verbose               also show the library's per-task debug lines
          -h, --help                  show this help

        """

    static func main() async {
        let console = Console()
        do {
            guard let (target, verbose) = try parse(Array(CommandLine.arguments.dropFirst())) else {
                console.say(usage)
                return
            }
            let database = try await DemoDatabase.open(target)
            let finished: Bool
            do {
                finished = try await Scenario(database: database, console: console, verbose: verbose).run()
            } catch {
                await database.close()
                throw error
            }
            await database.close()
            if !finished {
                console.error("gta-demo: some tasks did not finish within the demo's time limit")
                exit(1)
            }
        } catch {
            console.error("gta-demo: \(describe(error))")
            exit(1)
        }
    }

    /// The target and the verbose flag, or `nil` for `--help`.
    static func parse(_ arguments: [String]) throws -> (Target, Bool)? {
        var target: Target?
        var verbose = false
        var rest = arguments[...]
        func setTarget(_ new: Target) throws {
            guard target == nil else { throw DemoError("give one database only (see --help)") }
            target = new
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "-h", "--help":
                return nil
            case "-v", "--verbose":
                verbose = true
            case "--database":
                guard let path = rest.popFirst(), !path.isEmpty else {
                    throw DemoError("--database needs a path, such as --database gta-demo.sqlite")
                }
                try setTarget(.sqlite(path: path))
            default:
                if argument.hasPrefix("--database=") {
                    let path = String(argument.dropFirst("--database=".count))
                    guard !path.isEmpty else { throw DemoError("--database needs a path, such as --database gta-demo.sqlite") }
                    try setTarget(.sqlite(path: path))
                } else if argument.hasPrefix("-") {
                    throw DemoError("unknown option '\(argument)' (see --help)")
                } else {
                    try setTarget(try Target.parse(url: argument))
                }
            }
        }
        return (target ?? .sqlite(path: "gta-demo.sqlite"), verbose)
    }
}
