#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import GTABackendKit
import Synchronization

/// Peak resident memory of this process: VmHWM after resetting it through /proc/self/clear_refs
/// (the kernel's own peak, exact), and, for a kernel that refuses the reset, VmRSS sampled every
/// 100 ms on a thread of its own. (It sampled every 5 ms before: reading and parsing
/// /proc/self/status 200 times a second took about 6% of the process's CPU during B2.)
final class MemorySampler: Sendable {
    private let peakKB: Atomic<Int>
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)
    private let thread = BlockingThread(name: "gta-bench-rss")
    /// RSS when sampling began, in kB.
    let startKB: Int

    init() {
        Self.resetHighWaterMark()
        startKB = Self.status("VmRSS") ?? 0
        peakKB = Atomic(startKB)
        thread.submit { [self] in
            while running.load(ordering: .acquiring) {
                let rss = Self.status("VmRSS") ?? 0
                peakKB.max(rss, ordering: .relaxed)
                usleep(100_000)
            }
            finished.store(true, ordering: .releasing)
        }
    }

    /// Stops sampling; returns the peak in kB.
    func stop() -> Int {
        running.store(false, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { usleep(1_000) }
        thread.stop()
        return max(peakKB.load(ordering: .relaxed), Self.status("VmHWM") ?? 0)
    }

    static func resetHighWaterMark() {
        writeFile("/proc/self/clear_refs", "5")
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
    MallocSettings.trim()
    return MemorySampler.status("VmRSS") ?? 0
}
