import Synchronization

/// Renews the leases of the tasks this instance runs, one statement per lease interval, and
/// gives up those it no longer holds: taken over by another instance (rescued after it could
/// not renew in time), or not renewed here for longer than is safe. A task given up has its
/// handler cancelled and writes nothing (``TaskRunner/giveUp(_:reason:)``).
struct LeaseKeeper: Sendable {
    let store: TaskStore
    let pool: WorkerPool
    let runner: TaskRunner
    let db: any GTADatabase
    let owner: LeaseOwner
    let interval: Duration
    let expiry: Duration
    let logger: Logger

    /// Renews until the surrounding task is cancelled.
    func run() async {
        // When each running row's lease was last known to hold (first seen, or last renewed).
        var confirmed: [UInt64: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await turn(&confirmed)
        }
    }

    /// One renewal.
    func turn(_ confirmed: inout [UInt64: ContinuousClock.Instant]) async {
        let now = ContinuousClock.now
        let running = pool.runningIDs
        let runningSet = Set(running)
        confirmed = confirmed.filter { runningSet.contains($0.key) }
        for id in running where confirmed[id] == nil { confirmed[id] = now }
        guard !running.isEmpty else { return }
        do {
            let lost = try await store.renew(ids: running, owner: owner, on: db)
            let lostSet = Set(lost)
            for id in running where !lostSet.contains(id) { confirmed[id] = now }
            if !lost.isEmpty {
                runner.giveUp(lost, reason: "its lease was taken over")
                for id in lost { confirmed.removeValue(forKey: id) }
            }
        } catch {
            // A row's lease counts from its last renewal here; give a task up before another
            // instance may rescue it (one interval of margin), so that it never runs twice at once.
            let unsafe = confirmed.filter { now - $0.value >= expiry - interval }.map(\.key)
            logger.warning(
                "renewing leases failed", metadata: ["count": "\(running.count)", "error": "\(error)", "expiring": "\(unsafe.count)"])
            if !unsafe.isEmpty {
                runner.giveUp(unsafe, reason: "its lease could not be renewed in time")
                for id in unsafe { confirmed.removeValue(forKey: id) }
            }
        }
    }
}
