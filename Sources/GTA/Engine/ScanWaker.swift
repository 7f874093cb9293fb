#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Wakes this instance's scanner when a delayed task (or a persisted retry) it wrote falls due,
/// so that the task runs at its time rather than up to a scan interval later.
///
/// The creator and the runner note due times (``wake(at:)``); the scanner sleeps with
/// ``sleep(for:)``, which ends at the scan interval or at the earliest noted time, whichever
/// comes first. Only times within the next ``horizon`` are kept, at most ``capacity`` distinct
/// seconds: a task past them is found by the ordinary scans. Times of rows another instance
/// wrote are not known here; those rows, too, are found by the ordinary scans.
final class ScanWaker: Sendable {
    private struct State {
        /// Due times, in whole seconds since 1970.
        var due: Set<Int64> = []
        var waiter: CheckedContinuation<Void, Never>?
        /// A signal that came while nobody waited.
        var signalled = false
    }

    /// The most distinct due seconds kept.
    static let capacity = 4096
    /// How far ahead a due time is kept.
    static let horizon: TimeInterval = 3600

    private let state = Mutex(State())

    /// Notes that a task falls due at `date`.
    func wake(at date: Date) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.up))
        guard date.timeIntervalSinceNow < Self.horizon else { return }
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.due.count < Self.capacity || s.due.contains(seconds) else { return nil }
            let earlier = s.due.min().map { seconds < $0 } ?? true
            s.due.insert(seconds)
            guard earlier else { return nil }
            // A sleeper must look again: its end may now come sooner.
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.signalled = true
            return nil
        }
        waiter?.resume()
    }

    /// Sleeps for `interval`, or until the earliest noted due time (which it then forgets).
    /// - Throws: `CancellationError` when the surrounding task is cancelled.
    func sleep(for interval: Duration) async throws {
        let end = ContinuousClock.now + interval
        while true {
            try Task.checkCancellation()
            let now = Date()
            let nowSeconds = now.timeIntervalSince1970
            let earliest = state.withLock { s -> Int64? in
                s.signalled = false
                let passed = s.due.filter { Double($0) <= nowSeconds }
                guard passed.isEmpty else {
                    s.due.subtract(passed)
                    return Int64.min
                }
                return s.due.min()
            }
            if earliest == Int64.min { return }  // a noted time has come
            var wait = end - ContinuousClock.now
            guard wait > .zero else { return }
            if let earliest { wait = min(wait, .milliseconds(Int64((Double(earliest) - nowSeconds) * 1000) + 1)) }
            await sleepOrSignal(wait)
        }
    }

    /// Sleeps for `wait`, or until ``wake(at:)`` notes an earlier time, or cancellation.
    private func sleepOrSignal(_ wait: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: wait) }
            group.addTask { await self.signal() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at the next signal, or when cancelled.
    private func signal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.signalled || Task.isCancelled {
                        s.signalled = false
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
    }
}
