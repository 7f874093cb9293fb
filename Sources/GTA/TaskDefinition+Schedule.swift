extension TaskDefinition {
    /// This definition as a periodic task: at each due time of `schedule`, one task of this key
    /// is created (an ordinary `initialized` row) with `argument`, and any instance that has the
    /// key registered runs it. Swift only.
    ///
    /// ```swift
    /// try manager.register("nightly_report", TaskDefinition(argumentType: Report.self) { _, report in
    ///     try await reports.send(report)
    /// }.schedule(.cron("0 0 2 * * *"), argument: Report(kind: .daily)))   // 02:00:00 UTC
    /// ```
    ///
    /// - Exactly one task per due time, however many instances register the key: each due time
    ///   is claimed under a lock on the key's row in the schedules table (`<table>_schedules`,
    ///   see ``ScheduleTable``), in the same transaction that inserts the task. The task's
    ///   `created_at` is its due time.
    /// - Catch-up: due times missed while no instance ran (downtime, a pause longer than the
    ///   interval) collapse into one task, for the latest of them; the schedule then goes on.
    /// - A schedule whose text changed (a new deployment) replaces the stored one at the next
    ///   turn: its next due time is computed afresh from that moment, and no missed time of the
    ///   old schedule runs.
    /// - The first due time is the first after the key's row is created: registering a
    ///   schedule never runs a task at once.
    ///
    /// Registering checks the schedule (``GTAError/optionInvalid`` naming what is wrong) and that
    /// `argument` encodes for this definition (``GTAError/definitionArgumentInvalid``).
    /// ``TaskManager/run()`` throws ``GTAError/featureNeedsMigration`` when the schedules table
    /// is missing.
    ///
    /// - Parameters:
    ///   - schedule: when tasks are due.
    ///   - argument: the argument of every task; for a typed definition a value of its
    ///     argument type. The default is `nil`.
    /// - Returns: this definition with ``schedule`` and ``scheduleArgument`` set.
    public func schedule(_ schedule: Schedule, argument: (any Encodable & Sendable)? = nil) -> TaskDefinition {
        var copy = self
        copy.schedule = schedule
        copy.scheduleArgument = argument
        return copy
    }
}
