import CSQLite
import Foundation

/// Whether, and until when, a statement that SQLite reports busy or locked is tried again.
enum BusyRetry {
    /// Not at all: inside an explicit transaction SQLite advises rolling it back instead.
    case never
    /// Until the deadline, within ``SQLiteConfiguration/maximumBusyRetries``.
    case until(ContinuousClock.Instant)

    /// Retrying for `duration` from now.
    static func within(_ duration: Duration) -> BusyRetry { .until(.now + duration) }
}

extension SQLiteHandle {
    /// Runs `attempt` and, while it fails busy or locked, resets `statement` and runs it again
    /// after a short backoff (1 ms doubling up to 32 ms), as `retry` allows and at most
    /// `maximumBusyRetries` times. SQLite's own busy wait shrinks to the time left.
    func retryingWhileBusy(db: OpaquePointer, statement: OpaquePointer, _ retry: BusyRetry, _ attempt: () throws -> Void) throws {
        guard case .until(let deadline) = retry else { return try attempt() }
        var retries = 0
        defer {
            if retries > 0 { sqlite3_busy_timeout(db, busyTimeoutMilliseconds) }
        }
        while true {
            do {
                try attempt()
                return
            } catch let error as SQLiteError where error.isBusy || error.isLocked {
                let remaining = deadline - .now
                guard configuration.maximumBusyRetries > retries, remaining > .zero else {
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
                Thread.sleep(forTimeInterval: Double(backoff.components.attoseconds) / 1e18 + Double(backoff.components.seconds))
                let left = remaining - backoff
                sqlite3_busy_timeout(db, Int32(clamping: Int64(max(1, (left / .milliseconds(1)).rounded(.up)))))
            }
        }
    }
}
