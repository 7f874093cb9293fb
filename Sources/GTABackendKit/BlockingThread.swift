import DequeModule
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dedicated OS thread that runs blocking work (C calls) one item at a time, off Swift's
/// cooperative thread pool, and resumes the awaiting task when each item is done.
///
/// Backends give each connection its own `BlockingThread`: a C handle is then only ever used by
/// one thread at a time, and a blocking network call never stalls the cooperative pool.
///
/// Work submitted by ``run(_:)`` runs to completion even when the awaiting task is cancelled,
/// so a connection is never left halfway through a protocol exchange.
package final class BlockingThread: @unchecked Sendable {
    // @unchecked: `queue` and `stopped` are only touched while `mutex` is locked.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: Deque<() -> Void> = []
    private var stopped = false
    private let name: String
    /// The thread's `pthread_self()`, once it runs (0 before).
    private let owner = Atomic<UInt>(0)

    /// The stack of each thread: 512 kB (Connector/C and SQLite need far less; only the pages
    /// touched count towards resident memory).
    package static let stackSize = 512 << 10

    /// Starts the thread (a detached POSIX thread; `name` is used in errors).
    package init(name: String) {
        self.name = name
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, Self.stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        // The thread holds the object until its loop ends (after stop()).
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        let created = pthread_create(&thread, &attributes, { context in
            let me = Unmanaged<BlockingThread>.fromOpaque(context!).takeRetainedValue()
            me.loop()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        precondition(created == 0, "pthread_create failed (\(created)) for '\(name)'")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    private func loop() {
        owner.store(Self.currentThreadID, ordering: .releasing)
        while true {
            pthread_mutex_lock(mutex)
            while queue.isEmpty && !stopped {
                pthread_cond_wait(condition, mutex)
            }
            // Taken out of the queue, the work's captures are released as soon as it has run.
            guard let item = queue.popFirst() else {
                pthread_mutex_unlock(mutex)
                return  // stopped, and nothing is left
            }
            pthread_mutex_unlock(mutex)
            item()
        }
    }

    private static var currentThreadID: UInt {
        #if canImport(Glibc)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }

    private func enqueue(_ item: @escaping () -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopped else { return false }
        queue.append(item)
        pthread_cond_signal(condition)
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
        owner.load(ordering: .acquiring) == Self.currentThreadID
    }

    /// Runs `work` on this thread without waiting for it.
    package func submit(_ work: @escaping @Sendable () -> Void) {
        _ = enqueue(work)
    }

    /// Lets the thread finish what is queued, then end. Later submissions fail.
    package func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
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
