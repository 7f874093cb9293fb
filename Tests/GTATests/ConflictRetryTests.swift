import Synchronization
import Testing

@testable import GTA

@Suite struct ConflictRetryTests {
    struct FakeError: GTADatabaseError {
        var isDuplicateKey = false
        var isDeadlock = false
        var isLockWaitTimeout = false
        var isConnectionLost = false
    }

    final class Counter: Sendable {
        let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
        var count: Int { value.withLock { $0 } }
    }

    @Test func aConflictIsRunAgainUntilItSucceeds() async throws {
        let runs = Counter()
        let result = try await ConflictRetry.run { () async throws -> String in
            if runs.next() < 3 { throw FakeError(isDeadlock: true) }
            return "done"
        }
        #expect(result == "done")
        #expect(runs.count == 3)
    }

    @Test func atMostAFewRunsThenTheErrorIsRethrown() async {
        let runs = Counter()
        await #expect(throws: FakeError.self) {
            try await ConflictRetry.run { () async throws -> Int in
                _ = runs.next()
                throw FakeError(isDeadlock: true)
            }
        }
        #expect(runs.count == ConflictRetry.attempts)
    }

    @Test func otherErrorsAreNotRetriedHere() async {
        let runs = Counter()
        await #expect(throws: FakeError.self) {
            try await ConflictRetry.run { () async throws -> Int in
                _ = runs.next()
                throw FakeError(isLockWaitTimeout: true)
            }
        }
        #expect(runs.count == 1)
        #expect(FakeError(isDeadlock: true).isConflict && FakeError(isDeadlock: true).isTransient)
    }
}
