import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA
import GTABackendKit
import GTAMariaDB
import Synchronization

/// The hidden worker mode for B2x4: `gta-bench __worker --url URL --table NAME --out FILE`.
///
/// Builds its own database pool and task manager (default options), says `ready` on stdout,
/// starts the manager on `go` from stdin, and on `stop` stops it (waiting for its handlers),
/// writes the argument of every task it ran to FILE (one a line) and says `done <peak kB>`.
// `@ArgumentParser.Option`: GTA has an `Option` of its own.
struct Worker: AsyncParsableCommand {
    static let command = "__worker"
    static let configuration = CommandConfiguration(
        commandName: command,
        abstract: "One of B2x4's worker processes (launched by gta-bench itself)."
    )

    @ArgumentParser.Option(help: "The database URL.")
    var url: String

    @ArgumentParser.Option(help: "The task table, already filled.")
    var table: String

    @ArgumentParser.Option(help: "The file to write the argument of every task run to, one a line.")
    var out: String

    func run() async throws {
        // As in the parent: the start-up's clean pages dropped, and the peak counted from here
        // (the parent resets its own before each run, before the run's manager is made).
        CleanPages.drop()
        MemorySampler.resetHighWaterMark()
        let db = try MariaDBDatabase(url: url)
        let ran = Mutex<[Int]>([])
        let manager = try BenchTable.manager(on: db, table: table) { n in
            ran.withLock { $0.append(n) }
        }
        try await warmUp(db)
        Self.say("ready")
        guard await Self.readLine() == "go" else { return }
        manager.start()
        while let line = await Self.readLine(), line != "stop" {}
        await manager.stop(wait: true)
        await db.shutdown()
        let text = ran.withLock { $0.map(String.init).joined(separator: "\n") }
        guard writeFile(out, text + "\n") else { throw BenchError("cannot write \(out)") }
        Self.say("done \(MemorySampler.status("VmHWM") ?? 0)")
    }

    private static func say(_ line: String) {
        writeStandardOutput(line + "\n")
    }

    /// A line from stdin, read off the cooperative pool.
    private static func readLine() async -> String? {
        (try? await offPool("gta-bench-stdin") { Swift.readLine() }) ?? nil
    }
}

/// A worker process seen from the parent.
final class WorkerProcess: @unchecked Sendable {
    // @unchecked: `buffer` is touched only by one awaiting caller at a time (the parent's
    // sequential loop).
    let process: ChildProcess
    let out: String
    private var buffer: [UInt8] = []

    private init(process: ChildProcess, out: String) {
        self.process = process
        self.out = out
    }

    static func launch(url: String, table: String, out: String) throws -> WorkerProcess {
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = try ChildProcess(
            path: me, arguments: [Worker.command, "--url", url, "--table", table, "--out", out], pipeError: false)
        return WorkerProcess(process: process, out: out)
    }

    func send(_ line: String) {
        process.send(line + "\n")
    }

    /// Reads lines until one starts with `word`; returns it.
    @discardableResult
    func expect(_ word: String) async throws -> String {
        while true {
            guard let line = try await nextLine() else {
                throw BenchError("a worker process ended before saying '\(word)'")
            }
            if line.hasPrefix(word) { return line }
        }
    }

    private func nextLine() async throws -> String? {
        let fd = process.output
        let pending = buffer
        let (line, rest): (String?, [UInt8]) = try await offPool("gta-bench-worker-out") {
            var data = pending
            while true {
                if let nl = data.firstIndex(of: 10) {
                    return (String(decoding: data[..<nl], as: UTF8.self), Array(data[(nl + 1)...]))
                }
                let chunk = ChildProcess.read(fd)
                if chunk.isEmpty { return (nil, data) }
                data += chunk
            }
        }
        buffer = rest
        return line
    }

    func waitForExit() async throws {
        let process = self.process
        let status = try await offPool("gta-bench-wait") { process.waitForExit() }
        guard status == 0 else {
            throw BenchError("a worker process exited with status \(status)")
        }
    }
}
