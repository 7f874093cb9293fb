import Foundation

/// `gta-chaos`: the chaos test of the task library on a durable MariaDB (`scripts/chaos`).
///
///     gta-chaos run      the orchestrator: workers, producer, kills, server restarts, accounting
///     gta-chaos worker   one task manager with the chaos keys, until SIGTERM
///     gta-chaos producer creates tasks over every creation path, recording what it saw
///     gta-chaos report   the accounting of a finished run, again
@main
struct GTAChaos {
    static let usage = """
        usage: gta-chaos run --url URL --dir DIR --server-script PATH [--short] [--tasks N] [--workers N]
                             [--kills N] [--producer-kills N] [--server-restarts N] [--server-kill9 N]
                             [--seed N] [--settle SECONDS] [--duration SECONDS] [--concurrency N]
                             [--pool-size N] [--scan-interval SECONDS] [--instant-scan-interval SECONDS]
               gta-chaos worker --url URL [--pool-size N] [--scan-interval S] [--instant-scan-interval S]
               gta-chaos producer --url URL --record FILE --tasks N [--rate PER_SECOND] [--concurrency N]
                                  [--seed N] [--incarnation N] [--deadline SECONDS] [manager options]
               gta-chaos report --url URL --dir DIR [--settle SECONDS] [--seed N] [--tasks N]
        (scripts/chaos runs the whole thing on a throwaway durable server; see its header)
        """

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            exit(2)
        }
        arguments.removeFirst()
        do {
            let status: Int32
            switch command {
            case "run": status = try await Orchestrator(config: try RunConfig(arguments)).run()
            case "worker": status = try await WorkerCommand.main(arguments)
            case "producer": status = try await ProducerCommand.main(arguments)
            case "report": status = try await ReportCommand.main(arguments)
            case "help", "-h", "--help":
                emit(usage)
                status = 0
            default: throw ChaosError("unknown command '\(command)'\n\(usage)")
            }
            exit(status)
        } catch {
            FileHandle.standardError.write(Data("gta-chaos \(command): \(error)\n".utf8))
            exit(2)
        }
    }
}
