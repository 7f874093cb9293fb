import GTA
import GTABackendKit

/// An open MariaDB transaction (or savepoint), handed to the body of
/// ``MariaDBDatabase/transaction(isolation:_:)``.
///
/// Everything run through it uses the transaction's connection. A nested ``transaction(_:)``
/// is a savepoint (`SAVEPOINT gta_sp_N`) that rolls back alone. The handle is valid only inside
/// the closure that received it; a statement that reaches the connection afterwards throws a
/// ``MariaDBError`` of kind ``MariaDBError/Kind/transactionEnded`` instead of running.
public final class MariaDBTransaction: GTATransaction {
    /// The connection the transaction runs on.
    let connection: MariaDBConnection
    private let state: TransactionState

    /// MySQL / MariaDB SQL.
    public var dialect: any GTADialect { MariaDBDatabase.dialect }

    init(connection: MariaDBConnection, state: TransactionState) {
        self.connection = connection
        self.state = state
    }

    /// Whether the transaction (or savepoint) and every enclosing one are still open.
    public var isActive: Bool { state.isOpen }

    /// Runs a statement inside the transaction.
    @discardableResult
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await connection.execute(sql, binds, in: state)
    }

    /// Runs a query inside the transaction.
    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await connection.query(sql, binds, in: state)
    }

    /// Runs `body` in a savepoint: its return releases the savepoint, a thrown error rolls back to
    /// it and is rethrown while the outer transaction goes on.
    @discardableResult
    public func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        let connection = self.connection
        return try await TransactionSkeleton.savepoint(
            on: connection, in: state, handle: { MariaDBTransaction(connection: connection, state: $0) }
        ) { try await body($0) }
    }
}
