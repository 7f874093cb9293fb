import Synchronization

/// A fixed set of connections handed out first come, first served.
///
/// A task that finds none idle suspends (no thread blocks) until one is released; a released
/// connection goes straight to the longest waiter. Cancelling a waiting task removes it from the
/// queue with a `CancellationError`.
final class ConnectionPool: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<SQLiteConnection, any Error>
    }

    private struct State {
        var idle: [SQLiteConnection]
        var waiters: [Waiter] = []
        var cancelledBeforeWaiting: Set<UInt64> = []
        var nextID: UInt64 = 0
        var closed = false
        var closer: CheckedContinuation<Void, Never>?
    }

    private let name: String
    private let all: [SQLiteConnection]
    private let state: Mutex<State>

    /// A pool of `connections`; `name` appears in errors (`"writer"`, `"reader"`).
    init(name: String, connections: [SQLiteConnection]) {
        self.name = name
        self.all = connections
        self.state = Mutex(State(idle: connections.reversed()))
    }

    /// Whether the pool holds no connection at all.
    var isEmpty: Bool { all.isEmpty }

    /// Waits for a connection and takes it; give it back with ``release(_:)``.
    func acquire() async throws -> SQLiteConnection {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SQLiteConnection, any Error>) in
                enum Outcome { case take(SQLiteConnection), fail(any Error), wait }
                let outcome = state.withLock { s -> Outcome in
                    if s.closed { return .fail(closedError()) }
                    if s.cancelledBeforeWaiting.remove(id) != nil { return .fail(CancellationError()) }
                    if s.waiters.isEmpty, let connection = s.idle.popLast() { return .take(connection) }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return .wait
                }
                switch outcome {
                case .take(let connection): continuation.resume(returning: connection)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                if let index = s.waiters.firstIndex(where: { $0.id == id }) {
                    return s.waiters.remove(at: index)
                }
                s.cancelledBeforeWaiting.insert(id)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a connection back: to the longest waiter, or to the idle set.
    func release(_ connection: SQLiteConnection) {
        enum Next { case hand(Waiter), finishClose(CheckedContinuation<Void, Never>), none }
        let next = state.withLock { s -> Next in
            if !s.waiters.isEmpty {
                return .hand(s.waiters.removeFirst())
            }
            s.idle.append(connection)
            if s.closed, s.idle.count == all.count, let closer = s.closer {
                s.closer = nil
                return .finishClose(closer)
            }
            return .none
        }
        switch next {
        case .hand(let waiter): waiter.continuation.resume(returning: connection)
        case .finishClose(let closer): closer.resume()
        case .none: break
        }
    }

    /// Refuses new acquisitions, fails the waiters, waits until every connection is back and
    /// returns them all. Only the first call returns connections; later calls return none.
    func close() async -> [SQLiteConnection] {
        let (waiters, alreadyClosed) = state.withLock { s -> ([Waiter], Bool) in
            let was = s.closed
            s.closed = true
            let waiters = s.waiters
            s.waiters = []
            return (waiters, was)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: closedError())
        }
        if alreadyClosed { return [] }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.idle.count == all.count { return true }
                s.closer = continuation
                return false
            }
            if done { continuation.resume() }
        }
        return all
    }

    private func closedError() -> SQLiteError {
        SQLiteError(
            extendedResultCode: SQLiteError.Code.misuse,
            message: "the database is closed",
            context: "cannot get a \(name) connection"
        )
    }
}
