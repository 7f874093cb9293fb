/// The transaction handle that ``TaskManager/transaction(_:)`` gives its body: the database's
/// own transaction, plus the tasks created in it with ``TaskManager/runWithTx(_:_:_:context:)``,
/// which are handed to the pool right after the commit (the "commit hook"). Go: the `tx *gorm.DB`
/// that `gta.Transaction` passes to its function.
///
/// Use it for the application's own SQL too: business rows and task rows commit together.
/// A handle is valid only inside the closure that received it.
///
/// Passed on as `any GTATransaction` (a function of yours that takes that type), it is still the
/// same transaction, but tasks created through it are written `initialized` and run by the
/// scanner after the commit, as in any other transaction: keep the `TaskTransaction` type where
/// tasks are created to get the commit hook.
public final class TaskTransaction: GTATransaction {
    /// The database's transaction that everything is written through.
    public let base: any GTATransaction
    /// The creator of the manager whose wrapper opened it.
    let creator: TaskCreator
    /// The tasks waiting for this transaction's commit.
    let pending: PendingTasks

    init(base: any GTATransaction, creator: TaskCreator, pending: PendingTasks) {
        self.base = base
        self.creator = creator
        self.pending = pending
    }

    public var dialect: any GTADialect { base.dialect }

    @discardableResult
    public func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await base.execute(sql, binds)
    }

    public func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await base.query(sql, binds)
    }

    /// A savepoint whose tasks join this transaction's only if it is released.
    public func transaction<T: Sendable>(_ body: @Sendable (TaskTransaction) async throws -> T) async throws -> T {
        let inner = PendingTasks()
        let creator = self.creator
        do {
            let result = try await base.transaction { savepoint in
                try await body(TaskTransaction(base: savepoint, creator: creator, pending: inner))
            }
            pending.append(contentsOf: inner.take())
            return result
        } catch {
            creator.abandon(inner.take())
            throw error
        }
    }

    /// A savepoint, seen as any transaction: the same as ``transaction(_:)-(TaskTransaction)``.
    /// (Disfavoured, so that a closure written `{ inner in ... }` gets the `TaskTransaction` form.)
    @_disfavoredOverload
    public func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        try await transaction { (savepoint: TaskTransaction) in try await body(savepoint) }
    }
}
