import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

/// `GTA_BENCH_DEBUG_RSS=1`: memory diagnostics on stderr.
enum DebugRSS {
    static var enabled: Bool { ProcessInfo.processInfo.environment["GTA_BENCH_DEBUG_RSS"] != nil }

    static func log(_ message: @autoclosure () -> String) {
        if enabled { progress(message()) }
    }
}

/// Debugging aid: RSS after glibc's `malloc_trim(0)` (freed heap handed back), to tell a leak
/// from fragmentation.
func trimmedRSS() -> Int {
    typealias Trim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
    return MemorySampler.status("VmRSS") ?? 0
}
