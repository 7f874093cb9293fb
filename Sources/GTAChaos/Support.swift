import Foundation
import GTA
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A usage or set-up problem: printed and the command exits with status 2.
struct ChaosError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The tables of a chaos run, all in the server's test database.
enum ChaosTables {
    /// The library's task table, created by `TaskTable.create`.
    static let tasks = "chaos_tasks"
    /// One row per handler invocation, written by the handler itself (autocommitted).
    static let ledger = "chaos_ledger"
    /// The business rows: one per task, written in the task's own transaction (not on the `run` path).
    static let orders = "chaos_orders"
}

/// The task keys every chaos process registers, and what their handlers do.
enum ChaosKey: String, CaseIterable, Sendable {
    /// Writes the ledger row and returns.
    case quick = "chaos_quick"
    /// Writes the ledger row, then sleeps (a kill lands after the row: a rerun is a visible duplicate).
    case slow = "chaos_slow"
    /// Sleeps, then writes the ledger row (a kill lands before the row).
    case sleepy = "chaos_sleepy"

    var taskKey: TaskKey { TaskKey(rawValue) }
    var sleeps: Bool { self != .quick }

    static var sqlList: String { allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ") }
}

/// The ways the producer creates tasks.
enum CreationPath: String, CaseIterable, Sendable {
    /// `manager.run`: an autocommitted insert of its own; no order row can share it.
    case run = "run"
    /// `runWithTx` inside `manager.transaction` (the commit hook hands it to the pool).
    case txHook = "tx-hook"
    /// `runWithTx` inside a plain `db.transaction` (written `initialized`, the scanner runs it).
    case txPlain = "tx-plain"
    /// `runBatchWithTx` inside `manager.transaction`.
    case batchHook = "batch-hook"
    /// `runBatchWithTx` inside a plain `db.transaction`.
    case batchPlain = "batch-plain"

    var isBatch: Bool { self == .batchHook || self == .batchPlain }
    /// Whether an order row is written in the same transaction as the task.
    var hasOrder: Bool { self != .run }
}

/// The handler's argument: which producer call it came from and how long to sleep.
struct ChaosArgument: Codable, Sendable {
    var uuid: String
    var path: String
    var sleepMs: Int

    enum CodingKeys: String, CodingKey {
        case uuid
        case path
        case sleepMs = "sleep_ms"
    }
}

/// Wall-clock microseconds since 1970 (CLOCK_REALTIME): the one clock the orchestrator's event
/// log, the producer's record and the handlers' ledger all use, on one host.
func nowMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

func formatMicros(_ us: Int64) -> String {
    let seconds = Double(us) / 1_000_000
    let date = Date(timeIntervalSince1970: seconds)
    var tm = tm()
    var t = time_t(date.timeIntervalSince1970)
    localtime_r(&t, &tm)
    return String(format: "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, Int((us / 1000) % 1000))
}

/// One line of text safe for a tab-separated record: no tabs or newlines.
func oneLine(_ text: String) -> String {
    String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }.prefix(300))
}

/// An append-only file of lines, each `append` written with one `write(2)` and then `fsync`ed,
/// so that a kill of this process (or a crash) loses nothing it recorded.
final class LineLog: Sendable {
    private let fd: Int32
    private let lock = Mutex<Void>(())
    let path: String

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ChaosError("cannot open \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
        // A process killed in the middle of a line leaves it without its newline: end it, so
        // that the next line starts clean (the reader skips the broken one).
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 {
            let reader = open(path, O_RDONLY | O_CLOEXEC)
            if reader >= 0 {
                var last: UInt8 = 0
                if pread(reader, &last, 1, off_t(st.st_size - 1)) == 1, last != UInt8(ascii: "\n") {
                    _ = "\n".withCString { write(fd, $0, 1) }
                }
                close(reader)
            }
        }
    }

    deinit { close(fd) }

    func append(_ line: String, sync: Bool = true) { append([line], sync: sync) }

    func append(_ lines: [String], sync: Bool = true) {
        guard !lines.isEmpty else { return }
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        lock.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    FileHandle.standardError.write(Data("chaos: write to \(path) failed: \(String(cString: strerror(errno)))\n".utf8))
                    return
                }
                offset += n
            }
            if sync { fsync(fd) }
        }
    }

    /// The lines of a file, split on tabs; a missing file has none.
    static func read(_ path: String) -> [[Substring]] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }
}

/// A small seeded generator (SplitMix64): the same seed gives the same schedule and choices.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// `--name value`, `--name=value` and bare `--switch` arguments.
struct Flags {
    private var values: [String: String] = [:]
    private var switches: Set<String> = []
    private var used: Set<String> = []

    init(_ arguments: [String], switches known: Set<String> = []) throws {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--"), argument.count > 2 else { throw ChaosError("unexpected argument '\(argument)'") }
            let name = String(argument.dropFirst(2))
            if let eq = name.firstIndex(of: "=") {
                values[String(name[..<eq])] = String(name[name.index(after: eq)...])
                i += 1
            } else if known.contains(name) {
                switches.insert(name)
                i += 1
            } else {
                guard i + 1 < arguments.count else { throw ChaosError("--\(name) needs a value") }
                values[name] = arguments[i + 1]
                i += 2
            }
        }
    }

    func has(_ name: String) -> Bool { switches.contains(name) }

    func string(_ name: String) -> String? { values[name] }

    func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw ChaosError("--\(name) is required") }
        return value
    }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), value >= 0 else { throw ChaosError("--\(name) must be a whole number >= 0, not '\(text)'") }
        return value
    }

    func double(_ name: String, _ fallback: Double) throws -> Double {
        guard let text = values[name] else { return fallback }
        guard let value = Double(text), value >= 0 else { throw ChaosError("--\(name) must be a number >= 0, not '\(text)'") }
        return value
    }

    /// Fails on any `--name` not in `allowed` (a typo must not silently run the default).
    func check(allowed: Set<String>) throws {
        let unknown = Set(values.keys).union(switches).subtracting(allowed)
        if let first = unknown.sorted().first { throw ChaosError("unknown option --\(first)") }
    }
}

/// A boolean set once, shared with `@Sendable` closures.
final class OnceFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

/// Writes a line to standard output at once (no buffering: a SIGKILL loses nothing written).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Ends this process when its parent (the orchestrator) is gone, so that a killed or crashed
/// run leaves no worker behind.
func exitWithParent() {
    let parent = getppid()
    Thread.detachNewThread {
        while true {
            sleep(1)
            if getppid() != parent { _exit(0) }
        }
    }
}
