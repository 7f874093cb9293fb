import GTA
import GTABackendKit
import Logging

/// One SQLite connection: a ``SQLiteHandle`` and the thread that every call on it runs on.
///
/// Every SQLite call on the handle, and on its prepared statements, runs on that thread, so a
/// call that waits for a file lock (the busy handler sleeps) never stalls Swift's cooperative
/// pool. Work sent to the thread captures the handle, not the connection: a dropped connection
/// closes its handle on the thread after the work queued before.
final class SQLiteConnection: Sendable {
    /// What a connection serves; decides its pragmas.
    enum Role: Sendable, CustomStringConvertible {
        /// Transactions and autocommitted writes; sets the journal mode.
        case writer
        /// Autocommitted reads; `PRAGMA query_only`.
        case reader(Int)

        var description: String {
            switch self {
            case .writer: return "writer"
            case .reader(let n): return "reader \(n)"
            }
        }
    }

    /// What an autocommitted query found on a reader.
    enum QueryOutcome: Sendable {
        /// The rows.
        case rows([GTARow])
        /// The SQL writes: run it on the writer instead. Nothing was run.
        case needsWriter
    }

    let role: Role
    private let thread: BlockingThread
    private let handle: SQLiteHandle

    private init(configuration: SQLiteConfiguration, role: Role) {
        self.role = role
        self.thread = BlockingThread(name: "gta-sqlite-\(role)")
        self.handle = SQLiteHandle(configuration: configuration, role: role)
    }

    deinit {
        // Not closed by the owner: finalize and close on the connection's own thread.
        let handle = self.handle
        thread.submit { handle.close() }
        thread.stop()
    }

    /// Opens a connection and applies the configuration's pragmas.
    /// - Throws: ``SQLiteError`` saying which file could not be opened or configured, and why.
    static func open(_ configuration: SQLiteConfiguration, role: Role) async throws -> SQLiteConnection {
        let connection = SQLiteConnection(configuration: configuration, role: role)
        let handle = connection.handle
        do {
            try await connection.thread.run { try handle.open() }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Runs a statement, inside the transaction of `transaction` when given: then it is refused
    /// if that has ended by the time it reaches the connection's thread, and never retried when
    /// busy. Outside a transaction a single statement reported busy or locked is tried again
    /// within the retry bound, and every wait for a lock ends by `deadline` (by default the
    /// busy timeout from now).
    func execute(
        _ sql: String, _ binds: [GTAValue], in transaction: TransactionState? = nil, deadline: ContinuousClock.Instant? = nil
    ) async throws -> GTAExecuteResult {
        let handle = self.handle
        let retry = busyRetry(in: transaction, deadline: deadline)
        return try await thread.run {
            try Self.check(transaction, sql)
            return try handle.run(sql, binds, collectingRows: false, busyRetry: retry).result
        }
    }

    /// Runs a query and returns its rows, as ``execute(_:_:in:deadline:)``.
    func query(
        _ sql: String, _ binds: [GTAValue], in transaction: TransactionState? = nil, deadline: ContinuousClock.Instant? = nil
    ) async throws -> [GTARow] {
        let handle = self.handle
        let retry = busyRetry(in: transaction, deadline: deadline)
        return try await thread.run {
            try Self.check(transaction, sql)
            return try handle.run(sql, binds, collectingRows: true, busyRetry: retry).rows
        }
    }

    /// Runs a query if SQLite says it only reads; otherwise runs nothing and says so.
    func queryIfReadOnly(_ sql: String, _ binds: [GTAValue], deadline: ContinuousClock.Instant) async throws -> QueryOutcome {
        let handle = self.handle
        return try await thread.run {
            let outcome = try handle.run(sql, binds, collectingRows: true, busyRetry: .until(deadline), requiringReadOnly: true)
            return outcome.wasReadOnly ? .rows(outcome.rows) : .needsWriter
        }
    }

    private func busyRetry(in transaction: TransactionState?, deadline: ContinuousClock.Instant?) -> BusyRetry {
        guard transaction == nil else { return .never }
        return deadline.map(BusyRetry.until) ?? .within(handle.configuration.busyTimeout)
    }

    private static func check(_ transaction: TransactionState?, _ sql: String) throws {
        guard let transaction, !transaction.isOpen else { return }
        throw SQLiteError(
            extendedResultCode: SQLiteError.Code.misuse,
            message: "the transaction handle was used after its transaction ended; use a handle only inside the closure that received it",
            context: "cannot run statement",
            sql: sql
        )
    }

    /// Finalizes the statements, closes the handle and stops the thread.
    func close() async {
        let handle = self.handle
        _ = try? await thread.run { handle.close() }
        thread.stop()
    }
}

/// A SQLite connection has no link to lose, and ``SQLiteDatabase`` rolls back what a
/// transaction leaves open: it is always handed out again (an in-memory database lives in its
/// one connection).
extension SQLiteConnection: PoolableConnection {
    package var unusableReason: PoolDropReason? { nil }

    package func isAlive() async -> Bool { true }

    package var logMetadata: Logging.Logger.Metadata { ["role": "\(role)"] }

    package func closeInBackground() {
        let handle = self.handle
        thread.submit { handle.close() }
        thread.stop()
    }
}

extension SQLiteConnection: TransactionalConnection {
    /// `BEGIN IMMEDIATE`: takes the database's write lock now, waiting and retrying while another
    /// connection or process holds it, until `deadline` (by default for the busy timeout).
    /// SQLite transactions are serializable: `isolation` is ignored.
    package func beginTransaction(isolation: GTAIsolationLevel?, waitingUntil deadline: ContinuousClock.Instant?) async throws {
        _ = try await execute("BEGIN IMMEDIATE", [], deadline: deadline)
    }

    /// `COMMIT`, retried while busy (the transaction stays open until it succeeds).
    package func commitTransaction() async throws {
        _ = try await execute("COMMIT", [])
    }

    /// Rolls back the open transaction, if any; errors are swallowed (SQLite may already have
    /// rolled back, after an I/O error for example).
    package func rollbackTransaction() async {
        let handle = self.handle
        _ = try? await thread.run { handle.rollbackQuietly() }
    }

    package func runControl(_ sql: String, in transaction: TransactionState) async throws {
        _ = try await execute(sql, [], in: transaction)
    }
}
