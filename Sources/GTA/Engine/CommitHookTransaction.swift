import Synchronization

/// The transaction handle that ``TaskManager/transaction(_:)`` gives its body: the database's
/// own transaction, plus the tasks created in it, which are handed to the pool right after the
/// commit (the "commit hook").
final class CommitHookTransaction: GTATransaction {
    let base: any GTATransaction
    let scheduler: Scheduler
    let pending: PendingTasks

    init(base: any GTATransaction, scheduler: Scheduler, pending: PendingTasks) {
        self.base = base
        self.scheduler = scheduler
        self.pending = pending
    }

    var dialect: GTADialect { base.dialect }

    func execute(_ sql: String, _ binds: [GTAValue]) async throws -> GTAExecuteResult {
        try await base.execute(sql, binds)
    }

    func query(_ sql: String, _ binds: [GTAValue]) async throws -> [GTARow] {
        try await base.query(sql, binds)
    }

    /// A savepoint: the tasks created in it join this transaction's only if it is released.
    func transaction<T: Sendable>(_ body: @Sendable (any GTATransaction) async throws -> T) async throws -> T {
        let inner = PendingTasks()
        let scheduler = self.scheduler
        do {
            let result = try await base.transaction { savepoint in
                try await body(CommitHookTransaction(base: savepoint, scheduler: scheduler, pending: inner))
            }
            pending.append(contentsOf: inner.take())
            return result
        } catch {
            scheduler.abandon(inner.take())
            throw error
        }
    }
}

/// Tasks written as `running` in a transaction, each holding a pool slot, waiting for the commit.
final class PendingTasks: Sendable {
    private let tasks = Mutex<[TaskRecord]>([])

    func append(_ task: TaskRecord) { tasks.withLock { $0.append(task) } }
    func append(contentsOf more: [TaskRecord]) { tasks.withLock { $0.append(contentsOf: more) } }
    func take() -> [TaskRecord] { tasks.withLock { t in defer { t = [] }; return t } }
}
