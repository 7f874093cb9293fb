import Synchronization

/// A bounded pool of task handlers in flight (Go: the `ants` pool).
///
/// A slot is reserved before a row is written as `running` (commit hook) or claimed (scanner),
/// so a task handed to the pool always has room. Each job runs in its own Swift task; the pool
/// tracks them so that ``TaskManager/stop(wait:)`` can wait for them or hand them back.
final class WorkerPool: Sendable {
    /// The most jobs at once; `nil` is unbounded.
    let capacity: Int?

    private struct State {
        var used = 0
        var nextToken = 0
        var jobs: [Int: (id: UInt64, task: Task<Void, Never>)] = [:]
        /// Tasks waiting for fewer than `below` jobs in flight (0 jobs: `below` is 1).
        var waiters: [Int: (below: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
        /// Slots a scanner holds while its claim is in flight.
        var claiming = 0
    }
    private let state = Mutex(State())
    /// Where the pool's gauges go (running jobs, free slots).
    private let metrics: TaskMetrics

    init(capacity: Int?, metrics: TaskMetrics = .off) {
        self.capacity = capacity
        self.metrics = metrics
        metrics.pool(running: 0, free: capacity)
    }

    /// Sets the pool's gauges from `s`; called under the lock, so that they follow its changes in
    /// order. Slots an in-flight claim holds count as free (the claim gives back what it does not fill).
    private func publish(_ s: State) {
        metrics.pool(running: s.jobs.count, free: capacity.map { max(0, $0 - s.used + s.claiming) })
    }

    /// Free slots now (for an unbounded pool, `Int.max`).
    var freeSlots: Int {
        guard let capacity else { return Int.max }
        return state.withLock { max(0, capacity - $0.used) }
    }

    /// Reserves up to `wanted` slots and returns how many it got.
    /// Slots a claim in flight holds are taken from it, as in ``reserveOne()``: tasks written
    /// `running` in a transaction do not fall back to the scan path because they met a scan.
    func reserve(upTo wanted: Int) -> Int {
        state.withLock { s in
            let free = capacity.map { max(0, min(wanted, $0 - s.used)) } ?? wanted
            s.used += free
            let fromClaim = min(wanted - free, s.claiming)
            s.claiming -= fromClaim  // these slots pass from the claim to the tasks
            publish(s)
            return free + fromClaim
        }
    }

    /// Reserves one slot for a task being written `running`. When the pool is full only
    /// because a claim is in flight (a scan holds every free slot for a few milliseconds), the
    /// slot is taken from that claim, so the commit hook does not fall back to the scan path
    /// just because it met a scan; the claim then keeps fewer rows (see ``settleClaim(reserved:claimed:)``).
    func reserveOne() -> Bool {
        state.withLock { s in
            if capacity.map({ s.used < $0 }) ?? true {
                s.used += 1
                publish(s)
                return true
            }
            guard s.claiming > 0 else { return false }
            s.claiming -= 1  // the slot passes from the claim to this task
            publish(s)
            return true
        }
    }

    /// Reserves up to `wanted` slots for a claim in flight (one claim at a time); end it with
    /// ``settleClaim(reserved:claimed:)``.
    func reserveForClaim(upTo wanted: Int) -> Int {
        state.withLock { s in
            let got = capacity.map { max(0, min(wanted, $0 - s.used)) } ?? wanted
            s.used += got
            s.claiming += got
            return got
        }
    }

    /// Ends a claim that took `claimed` rows with `reserved` slots. Returns how many of those rows
    /// have a slot; the rest (only when the commit hook took slots from the claim meanwhile) must
    /// be handed back to `initialized`.
    func settleClaim(reserved: Int, claimed: Int) -> Int {
        state.withLock { s in
            let held = min(reserved, s.claiming)
            let kept = min(claimed, held)
            s.claiming -= held
            s.used -= held - kept
            publish(s)
            return kept
        }
    }

    /// Gives back reserved slots that were not used.
    func release(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { s in
            s.used -= count
            publish(s)
        }
    }

    /// Runs a job in a reserved slot (or, with `reserved: false`, in an extra one). The job gets
    /// a `done` function that frees its slot early (once its work that matters is over); the
    /// job's end frees it otherwise.
    func start(id: UInt64, reserved: Bool = true, _ job: @escaping @Sendable (_ done: @escaping @Sendable () -> Void) async -> Void) {
        state.withLock { s in
            if !reserved { s.used += 1 }
            let token = s.nextToken
            s.nextToken += 1
            let task = Task.detached { [self] in
                await job { self.finish(token) }
                self.finish(token)
            }
            s.jobs[token] = (id, task)
            publish(s)
        }
    }

    /// Frees a job's slot; the second call for a token does nothing.
    private func finish(_ token: Int) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard s.jobs.removeValue(forKey: token) != nil else { return [] }
            s.used -= 1
            publish(s)
            let count = s.jobs.count
            let due = s.waiters.filter { count < $0.value.below }
            for id in due.keys { s.waiters.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        ready.forEach { $0.resume() }
    }

    /// The row ids of the jobs in flight.
    var runningIDs: [UInt64] { state.withLock { $0.jobs.values.map(\.id) } }

    /// How many jobs are in flight.
    var runningCount: Int { state.withLock { $0.jobs.count } }

    /// Waits until fewer than `count` jobs are in flight (woken by the job that ends, not by
    /// polling). Returns `false` when the waiting task is cancelled first.
    func waitUntilRunning(below count: Int) async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.jobs.count < count || Task.isCancelled { return true }
                    s.waiters[id] = (count, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
        return !Task.isCancelled
    }

    /// Waits until no job is in flight, or `timeout` passes (`nil`: for ever). Returns whether
    /// the pool is idle.
    func waitUntilIdle(timeout: Duration?) async -> Bool {
        guard let timeout else { return await waitUntilRunning(below: 1) }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilRunning(below: 1) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || self.runningCount == 0
        }
    }

    /// Cancels every job in flight (a handler sees `Task.isCancelled`; retry waits end).
    func cancelAll() {
        let tasks = state.withLock { $0.jobs.values.map(\.task) }
        tasks.forEach { $0.cancel() }
    }

    /// Cancels the jobs of these rows (a handler sees `Task.isCancelled`; retry waits end).
    func cancel(ids: Set<UInt64>) {
        guard !ids.isEmpty else { return }
        let tasks = state.withLock { $0.jobs.values.filter { ids.contains($0.id) }.map(\.task) }
        tasks.forEach { $0.cancel() }
    }
}
