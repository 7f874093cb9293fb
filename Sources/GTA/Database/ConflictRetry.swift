/// Runs the library's own short transactions again when they lose a conflict
/// (`GTADatabaseError.isConflict`): a deadlock (1213), which on a Galera cluster is also how a
/// certification failure arrives, at any statement or at `COMMIT`, or a MySQL Group Replication
/// certification failure (3101). The whole transaction was rolled back, so running it again is safe.
/// At most ``attempts`` runs, a few milliseconds apart (growing, jittered); the last error is
/// rethrown and the caller's own handling (the scanner's next scan, the status writer's retries)
/// takes over.
enum ConflictRetry {
    /// The most runs of one transaction.
    static let attempts = 4

    static func run<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch where attempt < attempts && error.asDatabaseError?.isConflict == true {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...5) * attempt))
            }
        }
    }
}
