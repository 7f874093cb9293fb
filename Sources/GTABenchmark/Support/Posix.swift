#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import GTA
import GTABackendKit

// What the benchmark took from Foundation and FoundationEssentials does not have (so the
// binary loads neither libFoundation nor ICU): printf-style numbers, ISO 8601 dates, writes to
// stderr and files, and child processes.

/// `format` filled in the way C's `printf` does (`%.3f`, `%04x`).
func cFormat(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
        var buffer = [CChar](repeating: 0, count: 512)
        let written = Int(vsnprintf(&buffer, buffer.count, format, list))
        let bytes = buffer.prefix(Swift.max(0, Swift.min(written, buffer.count - 1))).map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `2026-11-24T20:55:21Z`.
func isoUTC(_ date: Date) -> String {
    let t = CivilTimeZone.utc.civilTime(of: date)
    return SQLDateTimeText.format(t).replacing(" ", with: "T") + "Z"
}

/// Writes `text` to standard error, unbuffered.
func writeStandardError(_ text: String) {
    writeAll(2, text)
}

/// Writes `text` to standard output, unbuffered (a line a parent process waits for).
func writeStandardOutput(_ text: String) {
    writeAll(1, text)
}

private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return }
        bytes = bytes.dropFirst(n)
    }
}

/// Writes `text` to the file at `path` (created or truncated); `false` when it cannot be opened.
@discardableResult
func writeFile(_ path: String, _ text: String) -> Bool {
    guard let file = fopen(path, "w") else { return false }
    defer { fclose(file) }
    return fputs(text, file) >= 0
}

/// `text` without leading and trailing spaces, tabs and newlines.
func trimmed(_ text: Substring) -> Substring {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
    return text[first...last]
}

/// Runs blocking `work` on a thread of its own, off Swift's cooperative pool.
func offPool<T: Sendable>(_ name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    let thread = BlockingThread(name: name)
    defer { thread.stop() }
    return try await thread.run(work)
}

/// A child process with pipes on its standard input and output, and its standard error either
/// piped or inherited (posix_spawn).
final class ChildProcess: @unchecked Sendable {
    // @unchecked: the descriptors are plain integers; each is used by one caller at a time.
    let pid: pid_t
    /// Our end of the child's standard input, output and (when piped) error; -1 when closed.
    private(set) var input: Int32
    let output: Int32
    let error: Int32

    /// Starts `path` with `arguments` (not including the program's name) and `environment`
    /// (the parent's when `nil`).
    init(path: String, arguments: [String], environment: [String: String]? = nil, pipeError: Bool = true) throws {
        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw BenchError("pipe failed: errno \(errno)") }
            return (fds[0], fds[1])
        }
        let stdinPipe = try pipePair(), stdoutPipe = try pipePair()
        let stderrPipe = pipeError ? try pipePair() : (read: Int32(-1), write: Int32(-1))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
        if pipeError { posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2) }
        for fd in [stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] where fd >= 0 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, path, &actions, nil, &argv, &envp)
        close(stdinPipe.read)
        close(stdoutPipe.write)
        if pipeError { close(stderrPipe.write) }
        guard status == 0 else {
            [stdinPipe.write, stdoutPipe.read, stderrPipe.read].filter { $0 >= 0 }.forEach { close($0) }
            throw BenchError("cannot start \(path): \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdinPipe.write
        output = stdoutPipe.read
        error = stderrPipe.read
    }

    /// Writes `text` to the child's standard input.
    func send(_ text: String) {
        if input >= 0 { writeAll(input, text) }
    }

    /// Closes the child's standard input.
    func closeInput() {
        if input >= 0 { close(input) }
        input = -1
    }

    /// Up to 64 kB from `fd`; empty at its end (blocking).
    static func read(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? Array(buffer.prefix(n)) : []
        }
    }

    /// Everything left on `fd` until its end (blocking); the descriptor is closed.
    static func readToEnd(_ fd: Int32) -> [UInt8] {
        guard fd >= 0 else { return [] }
        var all: [UInt8] = []
        while case let chunk = read(fd), !chunk.isEmpty { all += chunk }
        close(fd)
        return all
    }

    /// Waits for the child to end (blocking); its exit status, or 128 + the signal that ended it.
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        closeInput()
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// How this binary was linked and what it mapped, for the header.
enum BuildInfo {
    /// Whether the Swift runtime is a shared library here (`libswiftCore.so` mapped), linked in
    /// with glibc shared, or linked in with glibc too (`scripts/bench`'s default: no libc.so).
    static var linking: String {
        if maps.contains("libswiftCore.so") { return "Swift runtime shared" }
        if maps.contains("libc.so") { return "Swift runtime static (--static-swift-stdlib)" }
        return "static executable (-static-executable: Swift runtime and glibc linked in)"
    }

    /// Whether Connector/C (with OpenSSL) and libstdc++ are shared libraries here (mapped) or
    /// linked in from their archives (`scripts/bench`'s default).
    static var connector: String {
        (maps.contains("libmariadb.so") ? "Connector/C shared" : "Connector/C and OpenSSL static")
            + (maps.contains("libstdc++.so") ? ", libstdc++ shared" : ", libstdc++ static")
    }

    /// How `scripts/bench` linked the binary (`GTA_BENCH_LINK`, which it sets), for the header.
    static var layout: String {
        ProcessInfoLite.environment("GTA_BENCH_LINK") ?? "link: as built"
    }

    /// Whether libFoundation or ICU is mapped into this process.
    static var foundationMapped: String {
        let found = ["libFoundation.so", "libFoundationInternationalization", "libicu", "lib_FoundationICU"].filter { maps.contains($0) }
        return found.isEmpty ? "no (nor ICU)" : "yes (\(found.joined(separator: ", ")))"
    }

    /// `/proc/self/maps`, read once (at the header, when everything the bench loads is loaded).
    private static let maps = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? ""
}
