import Synchronization

/// A bounded pool of task handlers in flight (Go: the `ants` pool).
///
/// A slot is reserved before a row is written as `running` (commit hook) or claimed (scanner),
/// so a task handed to the pool always has room. Each job runs in its own Swift task; the pool
/// tracks them so that ``TaskManager/stop(wait:)`` can wait for them or hand them back.
///
/// A job has three phases: it may wait for a handler slot (a claim may take rows ahead of the
/// free slots, see ``reserveForClaim(upTo:ahead:)``); its handler runs, at most `capacity` at
/// once; once the handler has returned, the slot is free for the next task while the job waits
/// for its final status to be written. The pool keeps the job (and its row id, whose lease is
/// renewed) until that write is over, so a finished task whose status is pending is never
/// mistaken for an abandoned one.
final class WorkerPool: Sendable {
    /// The most jobs at once; `nil` is unbounded.
    let capacity: Int?

    private struct State {
        /// Slots held: jobs waiting for a handler slot or running their handler, and reservations.
        var used = 0
        /// Jobs running their handler.
        var active = 0
        /// Jobs waiting for a handler slot, in start (claim) order.
        var gate: [(token: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        /// How long handlers took, as a moving average (`nil` until one returned).
        var meanHandler: Duration?
        var nextToken = 0
        var jobs: [Int: Job] = [:]
        /// Jobs whose handler has returned and whose final status is being written (slot freed).
        var writing = 0
        /// Tasks waiting for the job counts to fall under their bounds.
        var waiters: [Int: (room: Room, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
        /// Slots a scanner holds while its claim is in flight.
        var claiming = 0
    }
    private struct Job {
        enum Phase { case queued, handler, writing }
        let id: UInt64
        var task: Task<Void, Never>?
        var phase = Phase.queued
        /// When its handler slot was given.
        var started = ContinuousClock.now
        /// Its end comes from ``JobHandle/endLater()``'s function, not from its task's return.
        var endsLater = false
        var writing: Bool { phase == .writing }
    }

    /// What a job's closure gets: to free its slot once its handler returns, and to hand its end
    /// to whoever finishes its work (the status writer) so that its task need not wait.
    struct JobHandle: Sendable {
        fileprivate let pool: WorkerPool
        fileprivate let token: Int

        /// Frees the job's slot while the job goes on (writing its status); later calls do nothing.
        func handlerReturned() { pool.handlerReturned(token) }

        /// The job now ends when the returned function is called (once), not when its closure
        /// returns; until then the pool keeps it (and its row id).
        func endLater() -> @Sendable () -> Void {
            pool.state.withLock { $0.jobs[token]?.endsLater = true }
            return { [pool, token] in pool.finish(token) }
        }
    }

    /// What a waiter waits for: fewer than `jobs` jobs in flight (handlers running plus status
    /// writes pending), and a claim of up to `claimWanted` rows getting at least `claimSlots`.
    struct Room: Sendable {
        var jobs = Int.max
        var claimSlots = 0
        var claimWanted = 0
        var claimAhead = 0
    }

    /// Status writes that may be pending before new tasks wait for them: 128, and no more than
    /// twice the pool's size when it is bounded (``writeLimit(_:)``). A claim of an unbounded
    /// pool leaves at most the rows it asked for plus this many in memory. It also bounds how
    /// many tasks whose handler has run may be left unwritten when this instance loses its
    /// database (their rows are rescued and run again elsewhere).
    static let writeAllowance = 128

    /// The pending status writes allowed for a pool of `capacity`: ``writeAllowance``, and no
    /// more than twice a bounded pool's size.
    static func writeLimit(_ capacity: Int?) -> Int { capacity.map { min(writeAllowance, 2 * $0) } ?? writeAllowance }

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
        metrics.pool(running: s.active, free: capacity.map { max(0, $0 - s.used + s.claiming) })
    }

    private func holds(_ room: Room, _ s: State) -> Bool {
        s.jobs.count < room.jobs && Self.claimable(upTo: room.claimWanted, ahead: room.claimAhead, capacity: capacity, s) >= room.claimSlots
    }

    /// Free slots of a bounded pool of `slots` (its capacity, and the slots a claim takes
    /// ahead): those no task holds, less the status writes pending beyond the pool's write limit.
    private static func free(_ slots: Int, capacity: Int, _ s: State) -> Int {
        max(0, slots - s.used - max(0, s.writing - writeLimit(capacity)))
    }

    /// Slots a claim of up to `wanted` rows would get: the free slots and `ahead` more, less the
    /// status writes pending beyond ``writeLimit(_:)`` (for an unbounded pool: `wanted` less
    /// those beyond ``writeAllowance``).
    private static func claimable(upTo wanted: Int, ahead: Int, capacity: Int?, _ s: State) -> Int {
        guard let capacity else { return max(0, min(wanted, wanted + writeAllowance - s.used - s.writing)) }
        return min(wanted, free(capacity + ahead, capacity: capacity, s))
    }

    /// Free slots now (for an unbounded pool, `Int.max`).
    var freeSlots: Int {
        guard let capacity else { return Int.max }
        return state.withLock { Self.free(capacity, capacity: capacity, $0) }
    }

    /// Reserves up to `wanted` slots and returns how many it got.
    /// Slots a claim in flight holds are taken from it, as in ``reserveOne()``: tasks written
    /// `running` in a transaction do not fall back to the scan path because they met a scan.
    func reserve(upTo wanted: Int) -> Int {
        state.withLock { s in
            let free = capacity.map { min(wanted, Self.free($0, capacity: $0, s)) } ?? wanted
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
            if capacity.map({ Self.free($0, capacity: $0, s) > 0 }) ?? true {
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
    /// A claim gets the free slots, less the status writes pending beyond ``writeLimit(_:)``.
    /// A bounded pool gives `ahead` slots more: their tasks wait in memory, in claim order, for
    /// a handler slot (at most `capacity` handlers run at once whatever `ahead` is).
    func reserveForClaim(upTo wanted: Int, ahead: Int = 0) -> Int {
        state.withLock { s in
            let got = Self.claimable(upTo: wanted, ahead: ahead, capacity: capacity, s)
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
    /// a ``JobHandle``: ``JobHandle/handlerReturned()`` frees its slot once its handler is over
    /// (the job stays, writing its status, until it ends); the job's end frees the slot otherwise.
    /// The job ends when its closure returns, or, after ``JobHandle/endLater()``, when that
    /// function's result is called.
    func start(id: UInt64, reserved: Bool = true, _ job: @escaping @Sendable (_ handle: JobHandle) async -> Void) {
        state.withLock { s in
            if !reserved { s.used += 1 }
            let token = s.nextToken
            s.nextToken += 1
            s.jobs[token] = Job(id: id)
            s.jobs[token]?.task = Task.detached { [self] in
                if await self.enterHandler(token) {
                    await job(JobHandle(pool: self, token: token))
                }
                self.finish(token, unlessLater: true)
            }
            publish(s)
        }
    }

    /// Gives the job a handler slot, at once or when one frees (in start order).
    /// Returns `false` when the job is cancelled while it waits (handed back, lease lost).
    private func enterHandler(_ token: Int) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if Task.isCancelled { return false }
                    if let capacity, s.active >= capacity {
                        // In start order (the order of the claim), whichever task gets here first.
                        let at = s.gate.firstIndex { $0.token > token } ?? s.gate.endIndex
                        s.gate.insert((token, continuation), at: at)
                        return nil
                    }
                    Self.admit(token, &s)
                    publish(s)
                    return true
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { s in
                s.gate.firstIndex { $0.token == token }.map { s.gate.remove(at: $0).continuation }
            }?.resume(returning: false)
        }
    }

    private static func admit(_ token: Int, _ s: inout State) {
        s.active += 1
        s.jobs[token]?.phase = .handler
        s.jobs[token]?.started = .now
    }

    /// Frees a job's slot while the job goes on writing its status; later calls do nothing.
    private func handlerReturned(_ token: Int) {
        update { s in
            guard let job = s.jobs[token], job.phase == .handler else { return nil }
            let took = ContinuousClock.now - job.started
            s.meanHandler = s.meanHandler.map { ($0 * 7 + took) / 8 } ?? took
            s.jobs[token]?.phase = .writing
            s.writing += 1
            s.used -= 1
            return Self.leaveHandler(&s)
        }
    }

    /// Ends a job (and frees its slot if its handler did not already); with `unlessLater` (its
    /// task returning), a job whose end was handed on only lets go of its task.
    private func finish(_ token: Int, unlessLater: Bool = false) {
        update { s in
            guard let job = s.jobs[token] else { return nil }
            if unlessLater && job.endsLater {
                // Its task is over; the job waits for its status write. Letting go of the
                // handle frees the ended task now (its frames), not when the write is done.
                s.jobs[token]?.task = nil
                return nil
            }
            s.jobs.removeValue(forKey: token)
            switch job.phase {
            case .writing:
                s.writing -= 1
                return nil
            case .queued:
                s.used -= 1
                return nil
            case .handler:
                s.used -= 1
                return Self.leaveHandler(&s)
            }
        }
    }

    /// A handler slot is free: the first job waiting for one takes it.
    private static func leaveHandler(_ s: inout State) -> CheckedContinuation<Bool, Never>? {
        s.active -= 1
        guard !s.gate.isEmpty else { return nil }
        let (token, next) = s.gate.removeFirst()
        admit(token, &s)
        return next
    }

    /// Changes the counts under the lock, then lets in the job `change` returns (one waiting for
    /// a handler slot) and wakes the waiters whose room is there.
    private func update(_ change: (inout State) -> CheckedContinuation<Bool, Never>?) {
        let (admitted, ready) = state.withLock { s -> (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Void, Never>]) in
            let admitted = change(&s)
            publish(s)
            let due = s.waiters.filter { holds($0.value.room, s) }
            for id in due.keys { s.waiters.removeValue(forKey: id) }
            return (admitted, due.values.map(\.continuation))
        }
        admitted?.resume(returning: true)
        ready.forEach { $0.resume() }
    }

    /// How long handlers have taken lately (a moving average; `nil` until one returned).
    var meanHandlerDuration: Duration? { state.withLock { $0.meanHandler } }

    /// The row ids of the jobs in flight (handlers running or status writes pending: this
    /// instance holds all their rows).
    var runningIDs: [UInt64] { state.withLock { $0.jobs.values.map(\.id) } }

    /// The row ids of the jobs whose handler has not returned (running, or waiting for a slot).
    var handlerIDs: [UInt64] { state.withLock { $0.jobs.values.filter { !$0.writing }.map(\.id) } }

    /// How many jobs are in flight (handlers running or status writes pending).
    var runningCount: Int { state.withLock { $0.jobs.count } }

    /// How many jobs wait for a handler slot.
    var queuedCount: Int { state.withLock { $0.gate.count } }

    /// How many jobs have their handler running.
    var handlerCount: Int { state.withLock { $0.active } }

    /// Waits until fewer than `count` jobs are in flight (woken by the job that ends, not by
    /// polling). Returns `false` when the waiting task is cancelled first.
    func waitUntilRunning(below count: Int) async -> Bool {
        await waitFor(Room(jobs: count))
    }

    /// Waits until the pool has `room` (woken by the job that changes the counts, not by
    /// polling). Returns `false` when the waiting task is cancelled first.
    func waitFor(_ room: Room) async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if holds(room, s) || Task.isCancelled { return true }
                    s.waiters[id] = (room, continuation)
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
        let tasks = state.withLock { $0.jobs.values.compactMap(\.task) }
        tasks.forEach { $0.cancel() }
    }

    /// Cancels the jobs of these rows (a handler sees `Task.isCancelled`; retry waits end).
    func cancel(ids: Set<UInt64>) {
        guard !ids.isEmpty else { return }
        let tasks = state.withLock { $0.jobs.values.filter { ids.contains($0.id) }.compactMap(\.task) }
        tasks.forEach { $0.cancel() }
    }
}
