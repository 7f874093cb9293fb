import DequeModule
import Foundation
import Synchronization

/// A dedicated OS thread that runs blocking work (C calls) one item at a time, off Swift's
/// cooperative thread pool, and resumes the awaiting task when each item is done.
///
/// Backends give each connection its own `BlockingThread`: a C handle is then only ever used by
/// one thread at a time, and a blocking network call never stalls the cooperative pool.
///
/// Work submitted by ``run(_:)`` runs to completion even when the awaiting task is cancelled,
/// so a connection is never left halfway through a protocol exchange.
package final class BlockingThread: @unchecked Sendable {
    // @unchecked: `queue` and `stopped` are only touched while `condition` is locked.
    private let condition = NSCondition()
    private var queue: Deque<() -> Void> = []
    private var stopped = false
    private let name: String
    /// The thread's `pthread_self()`, once it runs (0 before).
    private let owner = Atomic<UInt>(0)

    /// Starts the thread.
    package init(name: String) {
        self.name = name
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func loop() {
        owner.store(UInt(bitPattern: Int(bitPattern: UInt(pthread_self()))), ordering: .releasing)
        while true {
            condition.lock()
            while queue.isEmpty && !stopped {
                condition.wait()
            }
            // Taken out of the queue, the work's captures are released as soon as it has run.
            guard let item = queue.popFirst() else {
                condition.unlock()
                return  // stopped, and nothing is left
            }
            condition.unlock()
            item()
        }
    }

    private func enqueue(_ item: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        queue.append(item)
        condition.signal()
        return true
    }

    /// Runs `work` on this thread and returns its result.
    /// - Throws: what `work` throws, or ``BlockingThreadStoppedError`` after ``stop()``.
    ///
    /// Called from a task already running on this thread (through its ``TaskExecutor``
    /// preference), `work` runs inline: nothing else can be running on the thread meanwhile.
    package func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        if isCurrent { return try work() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = enqueue {
                continuation.resume(with: Result { try work() })
            }
            if !accepted {
                continuation.resume(throwing: BlockingThreadStoppedError(name: name))
            }
        }
    }

    /// Whether the caller is running on this thread.
    package var isCurrent: Bool {
        owner.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))
    }

    /// Runs `work` on this thread without waiting for it.
    package func submit(_ work: @escaping @Sendable () -> Void) {
        _ = enqueue(work)
    }

    /// Lets the thread finish what is queued, then end. Later submissions fail.
    package func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}

/// A task that prefers this executor (`withTaskExecutorPreference`) runs on the thread, between
/// the blocking items, and its statements then need no thread hop at all. After ``stop()``, a
/// job still enqueued runs inline on the enqueuing thread rather than being lost.
extension BlockingThread: TaskExecutor {
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        if !enqueue({ job.runSynchronously(on: executor) }) {
            job.runSynchronously(on: executor)
        }
    }
}

/// Work was submitted to a ``BlockingThread`` that had been stopped.
package struct BlockingThreadStoppedError: Error, CustomStringConvertible {
    package let name: String
    package var description: String { "the connection thread '\(name)' has stopped" }
}
