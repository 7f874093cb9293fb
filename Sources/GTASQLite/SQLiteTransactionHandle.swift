import GTA
import Synchronization

/// The handle of an open SQLite transaction, or of a savepoint inside one.
///
/// Every statement runs on the writer connection that the transaction holds. The handle is valid
/// while its closure runs: a statement that reaches the connection after the transaction (or the
/// savepoint, or an enclosing one) ended throws a ``SQLiteError`` instead of running outside it.
final class SQLiteTransactionHandle: GTATransaction {
    let dialect: any GTADialect
    /// The database whose writer this transaction holds.
    let databaseID: ObjectIdentifier
    private let connection: SQLiteConnection
    private let parent: SQLiteTransactionHandle?
    private let depth: Int
    private let open = Atomic<Bool>(true)

    init(connection: SQLiteConnection, dialect: any GTADialect, databaseID: ObjectIdentifier, parent: SQLiteTransactionHandle? = nil) {
        self.connection = connection
        self.dialect = dialect
        self.databaseID = databaseID
        self.parent = parent
        self.depth = (parent?.depth ?? 0) + 1
    }

    /// Whether this transaction and every enclosing one are still open.
    var isOpen: Bool {
        open.load(ordering: .acquiring) && (parent?.isOpen ?? true)
    }

    /// Marks the handle ended; later statements through it throw.
    func end() {
        open.store(false, ordering: .releasing)
    }

    /// The check run on the connection's thread before a statement. It captures the handle
    /// `unowned` (the awaiting caller holds it) so that a finished work item kept by the thread
    /// does not keep the handle and its connection alive.
    private func checkOpen(_ sql: String) -> @Sendable () throws -> Void {
        { [unowned self] in
            guard isOpen else {
                throw SQLiteError(
                    extendedResultCode: SQLiteError.Code.misuse,
                    message: "the transaction handle was used after its transaction ended; use a handle only inside the closure that received it",
                    context: "cannot run statement",
                    sql: sql
                )
            }
        }
    }

    func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await connection.execute(sql, binds, retryingBusy: false, check: checkOpen(sql))
    }

    func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await connection.query(sql, binds, retryingBusy: false, check: checkOpen(sql))
    }

    /// A savepoint: `SAVEPOINT`, the body, then `RELEASE`; a thrown error runs `ROLLBACK TO` and
    /// `RELEASE` (undoing the savepoint's work alone) and is rethrown.
    func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        let name = "gta_savepoint_\(depth)"
        _ = try await connection.execute("SAVEPOINT \(name)", [], retryingBusy: false, check: checkOpen("SAVEPOINT \(name)"))
        let child = SQLiteTransactionHandle(connection: connection, dialect: dialect, databaseID: databaseID, parent: self)
        let result: T
        do {
            result = try await body(child)
            child.end()
            _ = try await connection.execute("RELEASE \(name)", [], retryingBusy: false, check: checkOpen("RELEASE \(name)"))
        } catch {
            child.end()
            _ = try? await connection.execute("ROLLBACK TO \(name)", [], retryingBusy: false, check: checkOpen("ROLLBACK TO \(name)"))
            _ = try? await connection.execute("RELEASE \(name)", [], retryingBusy: false, check: checkOpen("RELEASE \(name)"))
            throw error
        }
        return result
    }
}
