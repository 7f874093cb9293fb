import Synchronization

/// The commit hook's list: tasks written `running` in a ``TaskTransaction``, each holding a
/// pool slot, waiting for the commit to hand them to the pool (or for a rollback to free their
/// slots).
final class PendingTasks: Sendable {
    private let tasks = Mutex<[TaskRecord]>([])

    func append(_ task: TaskRecord) { tasks.withLock { $0.append(task) } }
    func append(contentsOf more: [TaskRecord]) { tasks.withLock { $0.append(contentsOf: more) } }
    func take() -> [TaskRecord] { tasks.withLock { t in defer { t = [] }; return t } }
}
