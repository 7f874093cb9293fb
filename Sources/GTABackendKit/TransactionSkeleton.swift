import GTA

/// Transaction control as a backend's connection spells it, for ``TransactionSkeleton``.
package protocol TransactionalConnection: Sendable {
    /// Starts a transaction (`START TRANSACTION`, `BEGIN IMMEDIATE`), at `isolation` where the
    /// backend has levels. A backend whose begin waits for a lock (SQLite's write lock) waits at
    /// most until `deadline` when one is given.
    func beginTransaction(isolation: GTAIsolationLevel?, waitingUntil deadline: ContinuousClock.Instant?) async throws
    /// Commits the open transaction.
    func commitTransaction() async throws
    /// Rolls back whatever is open. Never throws: a connection that cannot roll back must see
    /// to it that it is not reused (the pool drops a connection still inside a transaction).
    func rollbackTransaction() async
    /// Runs a statement of transaction control (`SAVEPOINT`, `RELEASE SAVEPOINT`, `ROLLBACK TO
    /// SAVEPOINT`) inside the transaction of `state`, refusing it when `state` has ended by the
    /// time it reaches the connection.
    func runControl(_ sql: String, in state: TransactionState) async throws
}

/// Begin, commit, rollback and savepoints, the same for every backend, with gorm's rules: the
/// body's return commits, a thrown error rolls back and is rethrown.
package enum TransactionSkeleton {
    /// Runs `body` in a transaction on `connection`: begin, the body with a handle made by
    /// `makeHandle`, then commit on return or rollback on a thrown error (rethrown); the begin
    /// waits for a lock at most until `beginDeadline`. A begin or
    /// commit that fails rolls back and throws: nothing was written, except when the connection
    /// was lost during the COMMIT, which throws ``GTAError/commitOutcomeUnknown``. The handle is ended before
    /// the commit or rollback, so that nothing it sends afterwards runs outside the transaction.
    package static func run<Connection: TransactionalConnection, Handle, T>(
        on connection: Connection,
        isolation: GTAIsolationLevel?,
        beginDeadline: ContinuousClock.Instant? = nil,
        handle makeHandle: (TransactionState) -> Handle,
        _ body: (Handle) async throws -> T
    ) async throws -> T {
        do {
            try await connection.beginTransaction(isolation: isolation, waitingUntil: beginDeadline)
        } catch {
            await connection.rollbackTransaction()
            throw error
        }
        let state = TransactionState()
        let value: T
        do {
            value = try await body(makeHandle(state))
        } catch {
            state.end()
            await connection.rollbackTransaction()
            throw error
        }
        state.end()
        do {
            try await connection.commitTransaction()
            return value
        } catch {
            await connection.rollbackTransaction()
            // The COMMIT went out and its reply was lost: it may have taken effect.
            if (error as? any GTADatabaseError)?.isConnectionLost == true {
                throw GTAError(.commitOutcomeUnknown, "the connection was lost during COMMIT", underlying: error)
            }
            throw error
        }
    }

    /// Runs `body` in a savepoint of the transaction of `state`: `SAVEPOINT`, the body with a
    /// handle of its own, then `RELEASE SAVEPOINT`. A thrown error (also from the release)
    /// rolls back to the savepoint, undoing its work alone, releases it and is rethrown while
    /// the outer transaction goes on. After a deadlock the server has rolled back everything and
    /// the savepoint is gone; the body's error is what matters then, so those two statements'
    /// own errors are dropped.
    package static func savepoint<Connection: TransactionalConnection, Handle, T>(
        on connection: Connection,
        in state: TransactionState,
        handle makeHandle: (TransactionState) -> Handle,
        _ body: (Handle) async throws -> T
    ) async throws -> T {
        let (name, inner) = state.savepoint()
        try await connection.runControl("SAVEPOINT \(name)", in: state)
        do {
            let value = try await body(makeHandle(inner))
            inner.end()
            try await connection.runControl("RELEASE SAVEPOINT \(name)", in: state)
            return value
        } catch {
            inner.end()
            try? await connection.runControl("ROLLBACK TO SAVEPOINT \(name)", in: state)
            try? await connection.runControl("RELEASE SAVEPOINT \(name)", in: state)
            throw error
        }
    }
}
