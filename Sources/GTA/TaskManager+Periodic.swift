extension TaskManager {
    /// The schedules table of this manager's task table (``ScheduleTable/name(forTasks:)``).
    public var scheduleTable: TableName { ScheduleTable.name(forTasks: table) }

    /// Checks what the registered periodic definitions need: the schedules table
    /// (``ScheduleTable``). ``run()`` runs this check before anything starts; ``start()`` only
    /// logs its error, so call this first to get it thrown. Nothing is checked in dry run mode
    /// or without a periodic definition.
    ///
    /// ```swift
    /// try await manager.checkPeriodicTasks()   // throws GTAError.featureNeedsMigration
    /// manager.start()
    /// ```
    /// - Throws: ``GTAError/featureNeedsMigration`` naming periodic tasks and the fix (`gta
    ///   migrate`, ``ScheduleTable/create(forTasks:on:ifNotExists:)`` or the SQL in `model.sql`)
    ///   when the table is missing; the database's error when it cannot be reached.
    public func checkPeriodicTasks() async throws {
        let scheduled = registry.scheduled().map(\.0)
        guard !configuration.dryRun, !scheduled.isEmpty else { return }
        guard try await ScheduleTable.exists(forTasks: table, on: db) else {
            throw ScheduleTable.missingError(forTasks: table, keys: scheduled)
        }
    }
}
