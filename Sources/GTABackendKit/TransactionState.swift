import Synchronization

/// Whether a transaction handle may still be used: the "used after its transaction ended" guard
/// of both backends, for a transaction and each of its savepoints.
///
/// A handle is valid only while the closure that received it runs. A backend checks ``isOpen``
/// on the connection's thread just before a statement runs, in order with everything queued
/// there, so a statement that reaches the connection after its transaction (or savepoint, or an
/// enclosing one) ended is refused instead of running outside it.
package final class TransactionState: Sendable {
    private let open = Atomic<Bool>(true)
    private let parent: TransactionState?
    private let savepoints: SavepointNumbers

    /// The state of a transaction just begun.
    package convenience init() {
        self.init(parent: nil, savepoints: SavepointNumbers())
    }

    private init(parent: TransactionState?, savepoints: SavepointNumbers) {
        self.parent = parent
        self.savepoints = savepoints
    }

    /// Whether this transaction or savepoint and every enclosing one are still open.
    package var isOpen: Bool {
        open.load(ordering: .acquiring) && (parent?.isOpen ?? true)
    }

    /// Marks the handle ended; statements reaching the connection later are refused.
    package func end() {
        open.store(false, ordering: .releasing)
    }

    /// A savepoint inside this transaction: a name unique within the whole transaction and the
    /// savepoint's own state, which ends with it or with any enclosing one.
    package func savepoint() -> (name: String, state: TransactionState) {
        let number = savepoints.value.add(1, ordering: .relaxed).newValue
        return ("gta_sp_\(number)", TransactionState(parent: self, savepoints: savepoints))
    }
}

/// Numbers the savepoints of one transaction.
private final class SavepointNumbers: Sendable {
    let value = Atomic<Int>(0)
}
