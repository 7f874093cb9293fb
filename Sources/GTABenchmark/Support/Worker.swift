import ArgumentParser
import Foundation
import GTA
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
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: out))
        Self.say("done \(MemorySampler.status("VmHWM") ?? 0)")
    }

    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A line from stdin, read off the cooperative pool.
    private static func readLine() async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Swift.readLine()) }
        }
    }
}

/// A worker process seen from the parent.
final class WorkerProcess: @unchecked Sendable {
    // @unchecked: `buffer` is touched only by one awaiting caller at a time (the parent's
    // sequential loop), and Process/FileHandle are used from that caller.
    let process: Process
    let out: String
    private let input: FileHandle
    private let output: FileHandle
    private var buffer: [UInt8] = []

    private init(process: Process, out: String, input: FileHandle, output: FileHandle) {
        self.process = process
        self.out = out
        self.input = input
        self.output = output
    }

    static func launch(url: String, table: String, out: String) throws -> WorkerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = [Worker.command, "--url", url, "--table", table, "--out", out]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        return WorkerProcess(process: process, out: out, input: stdin.fileHandleForWriting, output: stdout.fileHandleForReading)
    }

    func send(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    /// Reads lines until one starts with `word`; returns it.
    @discardableResult
    func expect(_ word: String) async throws -> String {
        while true {
            guard let line = await nextLine() else {
                throw BenchError("a worker process ended before saying '\(word)'")
            }
            if line.hasPrefix(word) { return line }
        }
    }

    private func nextLine() async -> String? {
        let handle = output
        let pending = buffer
        let (line, rest): (String?, [UInt8]) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var data = pending
                while true {
                    if let nl = data.firstIndex(of: 10) {
                        let line = String(decoding: data[..<nl], as: UTF8.self)
                        continuation.resume(returning: (line, Array(data[(nl + 1)...])))
                        return
                    }
                    let chunk = handle.availableData
                    if chunk.isEmpty {
                        continuation.resume(returning: (nil, data))
                        return
                    }
                    data += chunk
                }
            }
        }
        buffer = rest
        return line
    }

    func waitForExit() async throws {
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        guard process.terminationStatus == 0 else {
            throw BenchError("a worker process exited with status \(process.terminationStatus)")
        }
    }
}
