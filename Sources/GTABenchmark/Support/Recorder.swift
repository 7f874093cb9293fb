#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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
            if ContinuousClock.now > deadline { throw BenchError("timed out: \(ran) of \(expected) handlers ran") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
