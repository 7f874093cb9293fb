import GTA
import GTABackendKit
import Logging
import Synchronization

/// A connection that only records what the pool did with it.
final class FakeConnection: PoolableConnection {
    let number: Int
    private let reason = Mutex<PoolDropReason?>(nil)
    private let closes = Atomic<Int>(0)

    init(number: Int) { self.number = number }

    var unusableReason: PoolDropReason? { reason.withLock { $0 } }
    var logMetadata: Logging.Logger.Metadata { ["fake": "\(number)"] }
    var isClosed: Bool { closes.load(ordering: .acquiring) > 0 }
    var closeCount: Int { closes.load(ordering: .acquiring) }

    private let dead = Atomic<Bool>(false)
    private let checks = Atomic<Int>(0)
    /// How many times the pool asked ``isAlive()``.
    var checkCount: Int { checks.load(ordering: .acquiring) }

    func breakIt(_ why: PoolDropReason?) { reason.withLock { $0 = why } }
    /// Makes ``isAlive()`` answer `false`, as a connection whose server went away.
    func die() { dead.store(true, ordering: .releasing) }
    func isAlive() async -> Bool {
        checks.add(1, ordering: .relaxed)
        return !dead.load(ordering: .acquiring)
    }
    func close() async { closes.add(1, ordering: .releasing) }
    func closeInBackground() { closes.add(1, ordering: .releasing) }
}

/// The pool's failures as an error of a fake backend.
struct FakePoolError: Error, Equatable {
    let failure: ConnectionPoolFailure
}

/// Opens numbered fake connections; can be told to fail the next opens.
final class FakeOpener: Sendable {
    private let count = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    struct OpenFailed: Error {}

    /// When set, opens wait for it to open first.
    let gate = Mutex<Gate?>(nil)

    var opened: Int { count.load(ordering: .acquiring) }
    func failNext(_ n: Int) { failures.store(n, ordering: .releasing) }

    func open() async throws -> FakeConnection {
        if let gate = gate.withLock({ $0 }) { await gate.wait() }
        if failures.load(ordering: .acquiring) > 0 {
            failures.subtract(1, ordering: .acquiringAndReleasing)
            throw OpenFailed()
        }
        return FakeConnection(number: count.add(1, ordering: .acquiringAndReleasing).newValue)
    }
}

func makePool(
    maximum: Int, timeout: Duration? = nil, initial: [FakeConnection] = [], opener: FakeOpener = FakeOpener()
) -> ConnectionPool<FakeConnection> {
    ConnectionPool(
        configuration: ConnectionPoolConfiguration(name: "fake", maximum: maximum, acquireTimeout: timeout),
        initial: initial,
        logger: Logging.Logger(label: "gta.test"),
        makeError: { FakePoolError(failure: $0) },
        open: { try await opener.open() }
    )
}

/// Waits (polling, in a test only) until `condition` holds, for up to two seconds.
func eventually(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(2)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(2))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Returns the error `body` threw, or nil.
func caught(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// A list that tasks append to.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Holds tasks until it is opened.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let go = state.withLock { s in
                if s.open { return true }
                s.waiting.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
    }

    var waiting: Int { state.withLock { $0.waiting.count } }

    func open() {
        let waiting = state.withLock { s in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
