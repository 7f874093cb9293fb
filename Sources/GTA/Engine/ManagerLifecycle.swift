import Synchronization

/// A manager's life: not started, running (scanner and monitors in child tasks of
/// ``TaskManager/run()``), stopping, stopped; and the stop itself (Go: `TaskManager.Stop`).
///
/// Stopping sets the stopping flag (new tasks are then written `initialized`), ends the loops,
/// waits for running tasks up to the wait timeout when asked to, and hands the rest back to
/// `initialized` for another instance.
final class ManagerLifecycle: Sendable {
    private enum Phase { case idle, running, stopping, stopped }
    private struct State {
        var phase = Phase.idle
        /// The first stop request's `wait`; `nil` while none came (a cancelled run hands back at once).
        var requestedWait: Bool?
        /// The task ``TaskManager/start()`` runs ``TaskManager/run()`` in.
        var started: Task<Void, Never>?
    }
    private let state = Mutex(State())
    /// Fired by a stop request: ends the loops of ``TaskManager/run()``.
    private let stopRequested = Signal()
    /// Fired once the stop is complete.
    private let stopped = Signal()

    let stopping: StoppingFlag
    private let pool: WorkerPool
    private let runner: TaskRunner
    private let store: TaskStore
    private let owner: LeaseOwner
    private let db: any GTADatabase
    private let waitTimeout: Duration?
    private let dryRun: Bool
    private let logger: Logger

    init(
        stopping: StoppingFlag, pool: WorkerPool, runner: TaskRunner, store: TaskStore, owner: LeaseOwner, db: any GTADatabase,
        waitTimeout: Duration?, dryRun: Bool, logger: Logger
    ) {
        self.owner = owner
        self.stopping = stopping
        self.pool = pool
        self.runner = runner
        self.store = store
        self.db = db
        self.waitTimeout = waitTimeout
        self.dryRun = dryRun
        self.logger = logger
    }

    /// Whether ``TaskManager/start()`` or ``TaskManager/run()`` has begun.
    var hasStarted: Bool { state.withLock { $0.phase != .idle || $0.started != nil } }
    /// Whether a stop has begun.
    var isStopping: Bool { stopping.isSet }

    /// `start()`: runs `run` in a task of its own, once. Returns whether it started it.
    @discardableResult
    func start(_ run: @escaping @Sendable () async -> Void) -> Bool {
        state.withLock { s in
            guard s.phase == .idle, s.started == nil else { return false }
            s.started = Task { await run() }
            return true
        }
    }

    /// `run()`: runs `loops` in a child task until a stop is requested, a graceful shutdown
    /// begins or the calling task is cancelled; then stops. `keeper` runs beside them until the
    /// stop is complete (leases are renewed while running tasks are waited for).
    /// - Throws: ``GTAError/unexpected`` when the manager is already running or stopped.
    /// `preflight` runs first; when it throws, the manager is stopped (nothing ran) and the
    /// error is rethrown.
    func run(
        preflight: @Sendable () async throws -> Void = {}, _ loops: @escaping @Sendable () async -> Void,
        keeper: @escaping @Sendable () async -> Void
    ) async throws {
        try state.withLock { s in
            guard s.phase == .idle else {
                throw GTAError(.unexpected, "the task manager is already running or stopped; a manager runs once")
            }
            s.phase = .running
        }
        do {
            try await preflight()
        } catch {
            stopping.set()
            state.withLock { $0.phase = .stopped }
            stopped.fire()
            throw error
        }
        // The stop writes to the database and renews leases while it waits: that part must not
        // inherit the cancellation that ends the loops, so it runs in a task of its own, awaited.
        let keeping = Task(priority: .high) { await keeper() }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await loops() }
                await self.stopRequested.wait()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.request(wait: true)
        }
        // Cancelled without a stop request: hand the running tasks back at once.
        let wait = state.withLock { s -> Bool in
            s.phase = .stopping
            return s.requestedWait ?? false
        }
        stopping.set()
        await Task { await self.shutdown(wait: wait) }.value
        keeping.cancel()
        await keeping.value
        state.withLock { $0.phase = .stopped }
        stopped.fire()
    }

    /// `stop(wait:)`: asks a running manager to stop and waits for it, or stops one that never
    /// ran; later calls wait for the first.
    func stop(wait: Bool) async {
        enum Action { case awaitRun, stopHere, awaitStop }
        stopping.set()
        let action = state.withLock { s -> Action in
            switch s.phase {
            case .running:
                if s.requestedWait == nil { s.requestedWait = wait }
                return .awaitRun
            case .idle where s.started != nil:
                // start() was called and its task has not entered run() yet.
                if s.requestedWait == nil { s.requestedWait = wait }
                return .awaitRun
            case .idle:
                s.phase = .stopping
                return .stopHere
            case .stopping, .stopped:
                return .awaitStop
            }
        }
        switch action {
        case .awaitRun:
            stopRequested.fire()
            await stopped.wait()
        case .stopHere:
            await shutdown(wait: wait)
            state.withLock { $0.phase = .stopped }
            stopped.fire()
        case .awaitStop:
            await stopped.wait()
        }
    }

    /// Asks the loops to end (a graceful shutdown); the stop then waits when `wait`.
    private func request(wait: Bool) {
        state.withLock { s in
            if s.requestedWait == nil { s.requestedWait = wait }
        }
        stopping.set()
        stopRequested.fire()
    }

    /// Waits for running tasks (up to the wait timeout), then hands the rest back as `initialized`.
    /// A task whose handler has returned is done: its status write is let finish (up to
    /// ``statusWriteGrace``) rather than handed back, so it does not run again elsewhere.
    private func shutdown(wait: Bool) async {
        guard pool.runningCount > 0 else { return }
        if wait {
            logger.info("stopping: waiting for running tasks", metadata: ["count": "\(pool.runningCount)"])
            if await pool.waitUntilIdle(timeout: waitTimeout) {
                logger.info("stopping: running tasks finished")
                return
            }
        }
        await handBack(pool.handlerIDs)
        if pool.runningCount > 0, !(await pool.waitUntilIdle(timeout: Self.statusWriteGrace)) {
            await handBack(pool.runningIDs)
        }
        pool.cancelAll()
    }

    /// How long a stop waits for the status writes of tasks whose handler has returned before it
    /// hands their rows back too: 5 seconds.
    static let statusWriteGrace = Duration.seconds(5)

    /// Gives these tasks up (their ends write nothing), then hands their rows back (only those
    /// whose lease this instance still holds). If that fails, their leases expire and another
    /// instance rescues them.
    private func handBack(_ ids: [UInt64]) async {
        guard !ids.isEmpty else { return }
        runner.giveUp(ids, reason: "handed back at stop")
        guard !dryRun else { return }
        do {
            let changed = try await store.updateStatus(ids: ids, from: .running, to: .initialized, owner: owner, on: db)
            logger.info("stopping: running tasks handed back as initialized", metadata: ["count": "\(ids.count)", "changed": "\(changed)"])
        } catch {
            logger.error("stopping: handing running tasks back failed; their leases will expire", metadata: .error(error))
        }
    }
}
