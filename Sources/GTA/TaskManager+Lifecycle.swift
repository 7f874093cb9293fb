extension TaskManager: Service {
    /// Runs the manager as a swift-service-lifecycle `Service`: the scanner, the built-in
    /// monitors, the rescuer of expired leases and the queue gauges' refresh run in child tasks
    /// (and the lease keeper beside them, until the stop is complete) until ``stop(wait:)`` is
    /// called, a graceful shutdown begins, or the calling task is cancelled. Then the manager stops: after a graceful shutdown or a
    /// `stop(wait: true)` it waits for running tasks up to the wait timeout
    /// (``Configuration/waitTimeout``), after a cancellation it does not wait; the tasks still
    /// running are handed back `running -> initialized` for another instance.
    ///
    /// ```swift
    /// let group = ServiceGroup(services: [manager, httpServer], gracefulShutdownSignals: [.sigterm], logger: logger)
    /// try await group.run()
    /// ```
    ///
    /// Periodic tasks (``TaskDefinition/schedule(_:argument:)``) are created by a loop per
    /// scheduled key beside the scanner, and stop with it.
    ///
    /// In dry run mode neither the scanner, the monitors nor the periodic scheduler start;
    /// `run()` still waits for the stop.
    /// - Throws: ``GTAError/unexpected`` when the manager already runs or has stopped (a manager
    ///   runs once); ``GTAError/featureNeedsMigration`` before anything starts when a periodic
    ///   definition is registered and the schedules table (``ScheduleTable``) is missing (the
    ///   manager is then stopped; ``start()`` logs the error).
    public func run() async throws {
        let dryRun = configuration.dryRun, rescue = configuration.rescue
        let scanner = makeScanner(), monitor = makeMonitor(), rescuer = makeRescuer(), keeper = makeLeaseKeeper()
        let queueGauges = makeQueueGauges(), periodic = makePeriodicScheduler()
        try await lifecycle.run(preflight: { [self] in try await checkPeriodicTasks() }) {
            guard !dryRun else { return }
            await withTaskGroup(of: Void.self) { group in
                // The scanner (and the lease keeper) at high priority: a claim's continuation does
                // not queue behind the handlers it feeds, and renewals keep their time under load.
                group.addTask(priority: .high) { await scanner.run() }
                group.addTask { await monitor.run() }
                group.addTask { await periodic.run() }
                if rescue { group.addTask { await rescuer.run() } }
                if let queueGauges { group.addTask { await queueGauges.run() } }
            }
        } keeper: {
            guard !dryRun else { return }
            await keeper.run()
        }
    }

    /// Starts the scanner and the built-in monitors: ``run()`` in a task of its own. Go: `Start`.
    /// Calling it again, or after a stop, does nothing.
    public func start() {
        lifecycle.start { [self] in
            do {
                try await run()
            } catch {
                logger.error("the task manager did not start", metadata: .error(error))
            }
        }
    }

    /// Stops the manager. Go: `Stop(wait)`.
    ///
    /// Ends scanning and monitoring, then, with `wait: true`, waits for running tasks (up to the
    /// wait timeout, if one is set). Tasks still running after that, or at once with
    /// `wait: false`, are moved back `running -> initialized` so that another instance runs
    /// them, and their handlers here are cancelled. Tasks created afterwards are written
    /// `initialized`. Calling it again waits for the first call and returns.
    public func stop(wait: Bool) async {
        await lifecycle.stop(wait: wait)
    }

    /// Runs `body`, then stops the manager with `wait`, whether `body` returns or throws: the
    /// Swift form of Go's `defer m.Stop(true)` (Swift's `defer` cannot `await`).
    ///
    /// ```swift
    /// manager.start()
    /// try await manager.withStop(wait: true) {
    ///     try await serveRequests()
    /// }
    /// ```
    public func withStop<T: Sendable>(wait: Bool, _ body: () async throws -> T) async rethrows -> T {
        do {
            let result = try await body()
            await stop(wait: wait)
            return result
        } catch {
            await stop(wait: wait)
            throw error
        }
    }

    /// Whether ``start()`` or ``run()`` has been called.
    public var isStarted: Bool { lifecycle.hasStarted }
}
