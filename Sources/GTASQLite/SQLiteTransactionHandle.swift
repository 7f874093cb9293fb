import GTA
import GTABackendKit

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
    private let state: TransactionState

    init(connection: SQLiteConnection, state: TransactionState, dialect: any GTADialect, databaseID: ObjectIdentifier) {
        self.connection = connection
        self.state = state
        self.dialect = dialect
        self.databaseID = databaseID
    }

    /// Whether this transaction and every enclosing one are still open.
    var isOpen: Bool { state.isOpen }

    func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await connection.execute(sql, binds, in: state)
    }

    func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await connection.query(sql, binds, in: state)
    }

    /// A savepoint: `SAVEPOINT`, the body, then `RELEASE`; a thrown error rolls back to the
    /// savepoint (undoing its work alone), releases it and is rethrown.
    func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        let (connection, dialect, databaseID) = (self.connection, self.dialect, self.databaseID)
        return try await TransactionSkeleton.savepoint(
            on: connection, in: state,
            handle: { SQLiteTransactionHandle(connection: connection, state: $0, dialect: dialect, databaseID: databaseID) }
        ) { try await body($0) }
    }
}
