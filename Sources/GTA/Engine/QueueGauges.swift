#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Refreshes the queue gauges (`gta_tasks_waiting` and `gta_queue_lag_seconds`, per key): once
/// per interval, one grouped query counts the `initialized` rows of this instance's keys and the
/// age of the oldest. A key with none waiting reads 0. Every instance reports the same
/// table-wide figures: aggregate them with `max`, not `sum`.
struct QueueGauges: Sendable {
    let registry: Registry
    let store: TaskStore
    let db: any GTADatabase
    let metrics: TaskMetrics
    let interval: Duration
    let logger: Logger

    /// Refreshes until the surrounding task is cancelled.
    func run() async {
        var failing = false
        while !Task.isCancelled {
            let failed = await turn(warn: !failing)
            failing = failed
            do {
                try await Task.sleep(for: interval.jittered())
            } catch {
                return
            }
        }
    }

    /// One refresh. Returns whether it failed (warned about only when `warn`: the first of a run
    /// of failures, so that an outage does not repeat it every interval).
    @discardableResult
    func turn(warn: Bool = true) async -> Bool {
        let keys = registry.allKeys()
        do {
            let waiting = try await store.waiting(keys: keys, now: Date(), on: db)
            for key in keys {
                let found = waiting[key]
                metrics.queue(key, waiting: found?.count ?? 0, oldest: found?.oldest ?? .zero)
            }
            return false
        } catch {
            if warn, !Task.isCancelled {
                logger.warning("counting waiting tasks for the queue metrics failed", metadata: .error(error))
            }
            return true
        }
    }
}
