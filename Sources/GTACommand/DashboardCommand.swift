import ArgumentParser
import Foundation
import GTA
import GTADashboard
import GTAOperations
import Hummingbird
import Logging

struct Dashboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web dashboard.",
        discussion: """
            Reruns need the token (--token, or GTA_DASHBOARD_TOKEN so that it stays out of the process list), sent by the \
            confirm form; without a token, or with --read-only, the dashboard only shows. It listens on 127.0.0.1 unless told \
            otherwise: put it behind your own authentication before you open it to a network.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var lease: LeaseOptions

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .long, help: "The path to serve it under.")
    var path = "/"

    @Flag(name: .long, help: "Show only: no reruns.")
    var readOnly = false

    @Option(name: .long, help: "The token reruns need (default: $GTA_DASHBOARD_TOKEN).")
    var token: String?

    func run() async throws {
        try await reporting {
            let token = self.token ?? ProcessInfo.processInfo.environment["GTA_DASHBOARD_TOKEN"]
            let actions: TaskDashboard.Actions
            if readOnly {
                actions = .disabled
            } else if let token, !token.isEmpty {
                actions = .token(token)
            } else {
                actions = .disabled
                FileHandle.standardError.write(Data("gta dashboard: no --token given: read-only\n".utf8))
            }
            try await Connection.with(database, lease: lease) { connection in
                var logger = Logger(label: "gta.dashboard")
                logger.logLevel = .warning
                let mode = actions == .disabled ? "read-only" : "reruns need the token"
                let shownPath = path.hasPrefix("/") ? path : "/" + path
                let host = self.host
                let app = TaskDashboard.application(
                    configuration: .init(path: path, actions: actions), operations: connection.operations,
                    serverConfiguration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
                    onServerRunning: { channel in
                        let port = channel.localAddress?.port ?? 0
                        let shownHost = host.contains(":") ? "[\(host)]" : host
                        // Written straight to the file: a pipe reading the first line sees it at once.
                        FileHandle.standardOutput.write(Data(
                            "gta dashboard: http://\(shownHost):\(port)\(shownPath) (table \(connection.operations.table), \(connection.shownURL), \(mode))\n".utf8))
                    },
                    logger: logger)
                try await app.runService()
            }
        }
    }
}
