import ArgumentParser
import Foundation
import GTA
import GTAOperations

/// `gta`: look after a task table from a shell.
@main
struct GTACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gta",
        abstract: "Look after a gta task table: migrate it, see its state, rerun failed or stuck tasks, serve the dashboard.",
        discussion: """
            The database comes from --url or GTA_DATABASE_URL: mysql://user:password@host:3306/db (or mariadb://) for \
            MariaDB and MySQL, sqlite:///absolute/path.db, sqlite:relative.db or a plain file path for SQLite.
            """,
        subcommands: [Migrate.self, Stats.self, List.self, Show.self, Rerun.self, Dashboard.self]
    )
}

/// The options every subcommand takes.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The database URL (default: $GTA_DATABASE_URL). The password is never shown.")
    var url: String?

    @Option(name: .long, help: "The task table.")
    var table: String = "tasks"

    /// The URL given, or the environment's.
    func resolvedURL() throws -> String {
        if let url, !url.isEmpty { return url }
        if let env = ProcessInfo.processInfo.environment["GTA_DATABASE_URL"], !env.isEmpty { return env }
        throw CommandFailure("no database: pass --url or set GTA_DATABASE_URL")
    }
}

/// The timeouts that decide when a `running` row counts as stuck.
struct LeaseOptions: ParsableArguments {
    @Option(name: .long, help: "How long a lease lives without renewal (the managers' lease expiry).")
    var leaseExpiry: String = "40s"

    @Option(name: .long, help: "How long a running row without a lease (a Go row) may run (the managers' running timeout).")
    var runningTimeout: String = "30m"
}

/// A failure the command reports in one line.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning any error into one line on stderr and a non-zero exit.
    func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let line = String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            FileHandle.standardError.write(Data("gta: \(line)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// swift-argument-parser's `@Option`, not the task library's `Option` (its `.withXxx` settings).
typealias Option<Value> = ArgumentParser.Option<Value>
