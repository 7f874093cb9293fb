#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Metrics
import Synchronization

/// The manager's metrics, through swift-metrics (names and dimensions: `Docs/operations.md`).
///
/// Made once per manager with the configured factory (``TaskManager/Configuration/metricsFactory``).
/// Each series is created the first time it is used and kept, so a task costs a dictionary
/// lookup per event, never a new metric. Dimensions are bounded: a key this instance has
/// registered, and a path or outcome from a fixed set.
///
/// When metrics are off (``TaskManager/Configuration/metrics`` is `false`, or no backend is
/// bootstrapped and none was given), every call returns at once.
final class TaskMetrics: Sendable {
    /// How a task was created: the `path` dimension of `gta_tasks_created_total`.
    enum Path: String, Sendable {
        /// `run`: written `running` and handed to the pool right after its insert.
        case run
        /// `runWithTx` in the manager's transaction: written `running`, handed to the pool at the commit.
        case commitHook = "commit_hook"
        /// `runBatchWithTx` in the manager's transaction, the part written `running`.
        case batch
        /// Written `initialized`, for a scanner (pool full, stop begun, another transaction, the
        /// rest of a batch).
        case initialized
        /// Dry run: no row.
        case dryRun = "dry_run"
    }

    private struct Series: Hashable {
        let name: String
        let dimensions: [String]
    }
    private struct State {
        var counters: [Series: Counter] = [:]
        var timers: [Series: CoreMetrics.Timer] = [:]
        var meters: [Series: Meter] = [:]
    }

    /// `nil` when metrics are off.
    private let factory: (any MetricsFactory)?
    private let prefix: String
    private let state = Mutex(State())
    /// `gta_pool_running_tasks` and `gta_pool_free_slots` (the latter only for a bounded pool).
    private let running: Meter?
    private let free: Meter?

    /// Metrics made with `factory` (`nil`: off), every name prefixed with `prefix`.
    init(factory: (any MetricsFactory)?, prefix: String, boundedPool: Bool) {
        self.factory = factory
        self.prefix = prefix
        self.running = factory.map { Meter(label: prefix + "pool_running_tasks", dimensions: [], factory: $0) }
        self.free = boundedPool ? factory.map { Meter(label: prefix + "pool_free_slots", dimensions: [], factory: $0) } : nil
    }

    /// Metrics that record nothing.
    static let off = TaskMetrics(factory: nil, prefix: "", boundedPool: false)

    /// The factory a configuration asks for: `nil` when metrics are off, or when none is given
    /// and swift-metrics has no backend bootstrapped (then even the queue query is not sent).
    static func factory(for configuration: TaskManager.Configuration) -> (any MetricsFactory)? {
        guard configuration.metrics else { return nil }
        if let factory = configuration.metricsFactory { return factory }
        let global = MetricsSystem.factory
        return global is NOOPMetricsHandler ? nil : global
    }

    /// Whether anything is recorded.
    var isEnabled: Bool { factory != nil }

    // MARK: Events

    /// `count` tasks of `key` were written (or, in a dry run, made) by `path`.
    func created(_ key: TaskKey, path: Path, count: Int = 1) {
        guard count > 0 else { return }
        counter("tasks_created_total", ["key", key.rawValue, "path", path.rawValue])?.increment(by: count)
    }

    /// A handler is about to run for `task`: counts the start and records the time since the row
    /// was created (`created_at` has second precision when the row was read back from the table).
    func started(_ task: TaskRecord) {
        guard isEnabled else { return }
        let key = task.taskKey.rawValue
        counter("tasks_started_total", ["key", key])?.increment()
        let waited = max(0, Date().timeIntervalSince(task.createdAt))
        timer("task_wait_duration_seconds", ["key", key])?.recordNanoseconds(Int64(waited * 1e9))
    }

    /// The handler of a `key` task ended after `duration` (its tries and the waits between them).
    func finished(_ key: TaskKey, succeeded: Bool, duration: Duration) {
        guard isEnabled else { return }
        let outcome = succeeded ? "succeeded" : "failed"
        counter(succeeded ? "tasks_succeeded_total" : "tasks_failed_total", ["key", key.rawValue])?.increment()
        timer("task_run_duration_seconds", ["key", key.rawValue, "outcome", outcome])?.record(duration: duration)
    }

    /// A `key` handler failed and is tried again.
    func retried(_ key: TaskKey) {
        counter("tasks_retried_total", ["key", key.rawValue])?.increment()
    }

    /// A `key` row whose lease expired was rescued to `status` (`initialized`, or `failed` past
    /// the rescue limit).
    func rescued(_ key: TaskKey, to status: TaskStatus) {
        counter("tasks_rescued_total", ["key", key.rawValue, "outcome", status.rawValue])?.increment()
    }

    /// A final write of a `key` task changed no row: someone else had moved it. `outcome` is what
    /// the write tried (`succeeded`, `failed` or `deleted`).
    func lostRace(_ key: TaskKey, outcome: String) {
        counter("tasks_lost_races_total", ["key", key.rawValue, "outcome", outcome])?.increment()
    }

    /// The pool now runs `running` jobs and has `free` slots (`nil`: unbounded).
    func pool(running count: Int, free slots: Int?) {
        running?.set(count)
        if let slots { free?.set(slots) }
    }

    /// `waiting` rows of `key` are `initialized`, the oldest of them for `oldest` (zero when none waits).
    func queue(_ key: TaskKey, waiting: Int, oldest: Duration) {
        guard isEnabled else { return }
        meter("tasks_waiting", ["key", key.rawValue])?.set(waiting)
        meter("queue_lag_seconds", ["key", key.rawValue])?.set(oldest.timeInterval)
    }

    // MARK: Series, made once

    private func counter(_ name: String, _ dimensions: [String]) -> Counter? {
        series(name, dimensions, \.counters) { Counter(label: $0, dimensions: $1, factory: $2) }
    }

    private func timer(_ name: String, _ dimensions: [String]) -> CoreMetrics.Timer? {
        series(name, dimensions, \.timers) { CoreMetrics.Timer(label: $0, dimensions: $1, factory: $2) }
    }

    private func meter(_ name: String, _ dimensions: [String]) -> Meter? {
        series(name, dimensions, \.meters) { Meter(label: $0, dimensions: $1, factory: $2) }
    }

    /// The series `name` with `dimensions` from `table`, made with `make` the first time.
    private func series<Metric: Sendable>(
        _ name: String, _ dimensions: [String], _ table: WritableKeyPath<State, [Series: Metric]>,
        _ make: (String, [(String, String)], any MetricsFactory) -> Metric
    ) -> Metric? {
        guard let factory else { return nil }
        let series = Series(name: name, dimensions: dimensions)
        return state.withLock { s in
            if let made = s[keyPath: table][series] { return made }
            let made = make(prefix + name, Self.pairs(dimensions), factory)
            s[keyPath: table][series] = made
            return made
        }
    }

    /// `["key", "a", "path", "b"]` as `[("key", "a"), ("path", "b")]`.
    private static func pairs(_ flat: [String]) -> [(String, String)] {
        stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }
}
