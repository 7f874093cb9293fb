#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Brings home tasks whose worker was lost: `running` rows of this instance's keys whose lease
/// (of any instance of this library) expired go back to `initialized`, or to `failed` once they
/// lost their worker more often than the rescue limit allows. Rows without a lease (the Go
/// original's) are never touched; the abnormal check reports them as before.
struct Rescuer: Sendable {
    let registry: Registry
    let store: TaskStore
    let db: any GTADatabase
    let interval: Duration
    let expiry: Duration
    let limit: Int
    let metrics: TaskMetrics
    let logger: Logger

    /// The most rows one rescue statement set takes.
    static let batch = 256

    /// Rescues until the surrounding task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval.jittered())
            } catch {
                return
            }
            await rescueAll()
        }
    }

    /// Rescues every expired lease there is now; returns how many rows it moved.
    @discardableResult
    func rescueAll() async -> Int {
        let keys = registry.allKeys()
        var total = 0
        while !Task.isCancelled {
            do {
                // `updated_at` keeps whole seconds (a renewal at 12:00:00.9 may read 12:00:00): one
                // second more, so that a lease renewed in time never looks expired.
                let cutoff = Date().addingTimeInterval(-expiry.timeInterval - 1)
                let rescued = try await store.rescue(keys: keys, expiredBefore: cutoff, lostLimit: limit, limit: Self.batch, on: db)
                for row in rescued {
                    metrics.rescued(row.key, to: row.status)
                    let metadata = Logger.Metadata.task(
                        row.id, row.key, ["previous_owner": "\(row.previousOwner ?? "")", "lost": "\(row.extra.lost)"])
                    if row.status == .failed {
                        logger.error("task lost its worker too often: failed", metadata: metadata)
                    } else {
                        logger.warning("task lost its worker: rescued to run again", metadata: metadata)
                    }
                }
                total += rescued.count
                if rescued.count < Self.batch { return total }
            } catch {
                if error.asDatabaseError?.isTransient != true {
                    logger.error("rescuing expired leases failed", metadata: .error(error))
                }
                return total
            }
        }
        return total
    }
}
