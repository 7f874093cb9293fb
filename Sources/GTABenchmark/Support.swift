import Foundation
import GTA
import GTAMariaDB
import Synchronization

/// Counts handler runs per task number (the task's argument), so that a scenario can check that
/// every task ran exactly once, and wait until all have run.
final class Recorder: Sendable {
    private let counts: Mutex<[UInt16]>
    private let total = Atomic<Int>(0)
    let expected: Int

    init(expected: Int) {
        self.expected = expected
        self.counts = Mutex(Array(repeating: 0, count: expected))
    }

    func record(_ n: Int) {
        counts.withLock { c in
            if n >= 0 && n < c.count { c[n] &+= 1 }
        }
        total.add(1, ordering: .relaxed)
    }

    var ran: Int { total.load(ordering: .relaxed) }

    /// Tasks that ran more than once (counting each extra run) and tasks that never ran.
    func check() -> (duplicates: Int, missing: Int) {
        counts.withLock { c in
            var duplicates = 0
            var missing = 0
            for n in c {
                if n == 0 { missing += 1 } else { duplicates += Int(n) - 1 }
            }
            return (duplicates, missing)
        }
    }

    /// Waits (polling every millisecond) until `expected` handler runs were recorded.
    func waitForAll(timeout: Duration = .seconds(300)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ran < expected {
            if ContinuousClock.now > deadline { throw UsageError(description: "timed out: \(ran) of \(expected) handlers ran") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// The task table, from the library's own definition.
enum BenchTable {
    static let key: TaskKey = "bench"

    static func recreate(_ name: String, on db: any GTADatabase) async throws {
        let table = try TableName(name)
        try await db.execute("DROP TABLE IF EXISTS \(table.quoted(for: db.dialect))")
        try await TaskTable.create(named: name, on: db)
    }

    /// `n` rows `initialized` with arguments 0..<n, in multi-row inserts inside one transaction.
    static func insertInitialized(_ n: Int, table name: String, on db: any GTADatabase) async throws {
        let t = try TableName(name).quoted(for: db.dialect)
        try await db.transaction { tx in
            var start = 0
            // One statement text, bound, for every full chunk (the connector prepares it once).
            while start < n {
                let end = min(n, start + 500)
                let values = Array(repeating: "('bench', 'initialized', NULL, ?, '{}', NOW(), NOW())", count: end - start).joined(separator: ", ")
                try await tx.execute(
                    "INSERT INTO \(t) (task_key, task_status, context, argument, extra, created_at, updated_at) VALUES \(values)",
                    (start..<end).map { .string(String($0)) })
                start = end
            }
        }
    }

    static func count(_ name: String, status: String?, on db: any GTADatabase) async throws -> Int {
        let t = try TableName(name).quoted(for: db.dialect)
        let rows: [GTARow]
        if let status {
            rows = try await db.query("SELECT COUNT(*) AS c FROM \(t) WHERE task_status = ? AND task_key = ?", [.string(status), .string(key.rawValue)])
        } else {
            rows = try await db.query("SELECT COUNT(*) AS c FROM \(t) WHERE task_key = ?", [.string(key.rawValue)])
        }
        return Int(try rows.first?.decode(Int64.self, "c") ?? 0)
    }

    /// Waits until `n` rows of the bench key are `succeeded`, polling every `every`.
    static func waitSucceeded(_ n: Int, table: String, on db: any GTADatabase, every: Duration = .milliseconds(2)) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while try await count(table, status: "succeeded", on: db) < n {
            if ContinuousClock.now > deadline { throw UsageError(description: "timed out waiting for \(n) succeeded rows") }
            try await Task.sleep(for: every)
        }
    }
}

/// Opens the pool's connections before timing starts (they open lazily).
func warmUp(_ db: MariaDBDatabase) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<db.configuration.maximumConnections {
            group.addTask { () async throws -> Void in
                _ = try await db.transaction(isolation: nil) { tx -> Int in
                    try await tx.execute("DO SLEEP(0.01)")
                    return 0
                }
            }
        }
        try await group.waitForAll()
    }
}

/// Peak resident memory of this process: VmRSS sampled every 5 ms on a thread of its own, and
/// VmHWM after resetting it through /proc/self/clear_refs (when the kernel allows).
final class MemorySampler: @unchecked Sendable {
    // @unchecked: `peakKB` and `running` are guarded by `lock`.
    private let lock = NSLock()
    private var peakKB = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)
    /// RSS when sampling began, in kB.
    let startKB: Int

    init() {
        Self.resetHighWaterMark()
        startKB = Self.status("VmRSS") ?? 0
        peakKB = startKB
        let thread = Thread { [self] in
            while true {
                let rss = Self.status("VmRSS") ?? 0
                lock.lock()
                peakKB = max(peakKB, rss)
                let go = running
                lock.unlock()
                if !go { break }
                usleep(5_000)
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops sampling; returns the peak in kB.
    func stop() -> Int {
        lock.lock()
        running = false
        lock.unlock()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return max(peakKB, Self.status("VmHWM") ?? 0)
    }

    static func resetHighWaterMark() {
        if let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            h.write(Data("5".utf8))
            try? h.close()
        }
    }

    /// A `kB` field of /proc/self/status.
    static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }
}

/// The server's version and the settings that decide write rates.
struct ServerInfo: Sendable {
    var version = ""
    var flushLogAtTrxCommit = ""
    var bufferPoolSize = ""
    var autoincLockMode = ""
    var logBin = ""
    var syncBinlog = ""

    static func read(_ db: MariaDBDatabase) async throws -> ServerInfo {
        let row = try await db.query(
            """
            SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS f, @@innodb_buffer_pool_size AS b,
            @@innodb_autoinc_lock_mode AS a, @@log_bin AS l, @@sync_binlog AS s
            """
        ).first
        func text(_ name: String) -> String {
            guard let value = row?[name] else { return "?" }
            switch value {
            case .int(let v): return String(v)
            case .uint(let v): return String(v)
            case .string(let s): return s
            case .bytes(let b): return String(decoding: b, as: UTF8.self)
            default: return value.description
            }
        }
        var info = ServerInfo()
        info.version = text("v")
        info.flushLogAtTrxCommit = text("f")
        let bytes = Int(text("b")) ?? 0
        info.bufferPoolSize = bytes > 0 ? "\(bytes / (1 << 20))M" : text("b")
        info.autoincLockMode = text("a")
        info.logBin = text("l") == "1" ? "ON" : (text("l") == "0" ? "OFF" : text("l"))
        info.syncBinlog = text("s")
        return info
    }

    var summary: String {
        "MariaDB \(version): innodb_flush_log_at_trx_commit=\(flushLogAtTrxCommit), innodb_buffer_pool_size=\(bufferPoolSize), innodb_autoinc_lock_mode=\(autoincLockMode), log_bin=\(logBin), sync_binlog=\(syncBinlog)"
    }

    var json: [String: JSONOut] {
        [
            "version": .string(version), "innodb_flush_log_at_trx_commit": .string(flushLogAtTrxCommit),
            "innodb_buffer_pool_size": .string(bufferPoolSize), "innodb_autoinc_lock_mode": .string(autoincLockMode),
            "log_bin": .string(logBin), "sync_binlog": .string(syncBinlog),
        ]
    }
}

/// Median, min and max of a run's figures.
struct Summary: Sendable {
    var values: [Double]
    var median: Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }
}

/// The `q` quantile (0...1) of durations, in milliseconds (nearest rank).
func percentileMS(_ durations: [Duration], _ q: Double) -> Double {
    let s = durations.sorted()
    guard !s.isEmpty else { return .nan }
    let rank = Swift.min(s.count - 1, Swift.max(0, Int((q * Double(s.count)).rounded(.up)) - 1))
    return s[rank].milliseconds
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
    var milliseconds: Double { seconds * 1000 }
}

/// A tiny JSON writer for the `--json` lines.
indirect enum JSONOut: Sendable {
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case array([JSONOut])
    case object([(String, JSONOut)])

    var text: String {
        switch self {
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        case .number(let d):
            guard d.isFinite else { return "null" }
            return String(format: "%.3f", d)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { JSONOut.string($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}

extension Dictionary where Key == String, Value == JSONOut {
    var ordered: JSONOut { .object(sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
}
