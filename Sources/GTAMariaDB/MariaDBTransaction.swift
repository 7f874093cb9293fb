import GTA
import Synchronization

/// An open MariaDB transaction (or savepoint), handed to the body of
/// ``MariaDBDatabase/transaction(isolation:_:)``.
///
/// Everything run through it uses the transaction's connection. A nested ``transaction(_:)``
/// is a savepoint (`SAVEPOINT sp_N`) that rolls back alone. The handle is valid only inside the
/// closure that received it; afterwards every call throws a ``MariaDBError`` of kind
/// ``MariaDBError/Kind/transactionEnded``.
public final class MariaDBTransaction: GTATransaction {
    /// The connection the transaction runs on.
    let connection: MariaDBConnection
    private let active = Atomic<Bool>(true)
    private let savepoints: SavepointCounter

    /// MySQL / MariaDB SQL.
    public var dialect: any GTADialect { MariaDBDatabase.dialect }

    init(connection: MariaDBConnection, savepoints: SavepointCounter = SavepointCounter()) {
        self.connection = connection
        self.savepoints = savepoints
    }

    /// Whether the transaction (or savepoint) is still open for this handle.
    public var isActive: Bool { active.load(ordering: .acquiring) }

    func end() { active.store(false, ordering: .releasing) }

    private func check() throws {
        guard isActive else {
            throw MariaDBError(
                kind: .transactionEnded,
                message: "this transaction handle was used after its transaction ended; use it only inside the transaction's closure"
            )
        }
    }

    /// Runs a statement inside the transaction.
    @discardableResult
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try check()
        return try await connection.execute(sql, binds)
    }

    /// Runs a query inside the transaction.
    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try check()
        return try await connection.query(sql, binds)
    }

    /// Runs `body` in a savepoint: its return releases the savepoint, a thrown error rolls back to
    /// it and is rethrown while the outer transaction goes on.
    @discardableResult
    public func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        try check()
        let name = "sp_\(savepoints.next())"
        try await connection.control(["SAVEPOINT \(name)"])
        let nested = MariaDBTransaction(connection: connection, savepoints: savepoints)
        let value: T
        do {
            value = try await body(nested)
        } catch {
            nested.end()
            // After a deadlock the server rolled back everything and the savepoint is gone; the
            // body's error is what matters.
            try? await connection.control(["ROLLBACK TO SAVEPOINT \(name)"])
            throw error
        }
        nested.end()
        try await connection.control(["RELEASE SAVEPOINT \(name)"])
        return value
    }
}

/// Numbers savepoints within one transaction.
final class SavepointCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
