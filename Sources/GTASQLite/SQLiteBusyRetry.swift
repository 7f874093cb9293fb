import CSQLite
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether, and until when, a statement that SQLite reports busy or locked waits and is tried
/// again.
enum BusyRetry {
    /// Not at all: inside an explicit transaction SQLite advises rolling it back instead. SQLite's
    /// own busy wait is the configured busy timeout.
    case never
    /// Until the deadline, within ``SQLiteConfiguration/maximumBusyRetries``; SQLite's own busy
    /// wait is only what is left until then.
    case until(ContinuousClock.Instant)

    /// Retrying for `duration` from now.
    static func within(_ duration: Duration) -> BusyRetry { .until(.now + duration) }
}

extension SQLiteHandle {
    /// Runs `attempt` and, while it fails busy or locked and `retrying` allows, resets `statement`
    /// and runs it again after a short backoff (1 ms doubling up to 32 ms), until the deadline
    /// and at most `maximumBusyRetries` times. Every wait, SQLite's busy handler included, ends
    /// by the deadline: the caller's whole wait is bounded by it.
    func retryingWhileBusy(
        db: OpaquePointer, statement: OpaquePointer, _ retry: BusyRetry, retrying: Bool, _ attempt: () throws -> Void
    ) throws {
        guard case .until(let deadline) = retry else { return try attempt() }
        var shortened = false
        func waitAtMost(_ left: Duration) {
            let ms = Int32(clamping: Int64(max(0, (left / .milliseconds(1)).rounded(.up))))
            guard ms < busyTimeoutMilliseconds || shortened else { return }
            sqlite3_busy_timeout(db, ms)
            shortened = true
        }
        defer {
            if shortened { sqlite3_busy_timeout(db, busyTimeoutMilliseconds) }
        }
        var retries = 0
        waitAtMost(deadline - .now)
        while true {
            do {
                try attempt()
                return
            } catch let error as SQLiteError where error.isBusy || error.isLocked {
                let remaining = deadline - .now
                guard retrying, configuration.maximumBusyRetries > retries, remaining > .zero else {
                    throw SQLiteError(
                        extendedResultCode: error.extendedResultCode,
                        message: error.message + "; another connection or process held the lock for longer than the busy timeout (\(configuration.busyTimeout))",
                        context: error.context,
                        sql: error.sql,
                        busyRetries: retries
                    )
                }
                sqlite3_reset(statement)
                let backoff = min(Duration.milliseconds(1 << min(retries, 5)), remaining)
                retries += 1
                // A blocking sleep: this runs on the connection's own thread, never the cooperative pool.
                var pause = timespec(tv_sec: Int(backoff.components.seconds), tv_nsec: Int(backoff.components.attoseconds / 1_000_000_000))
                var rest = timespec()
                while nanosleep(&pause, &rest) != 0 && errno == EINTR { pause = rest }
                waitAtMost(max(.milliseconds(1), remaining - backoff))
            }
        }
    }
}
