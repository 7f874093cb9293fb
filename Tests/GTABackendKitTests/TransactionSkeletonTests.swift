import GTA
import GTABackendKit
import Synchronization
import Testing

/// Records the transaction control it is sent; fails where told to.
final class RecordingConnection: TransactionalConnection {
    let log = Mutex<[String]>([])
    let failing = Mutex<Set<String>>([])
    struct Refused: Error, Equatable { let sql: String }
    struct Ended: Error {}

    var statements: [String] { log.withLock { $0 } }

    private func send(_ sql: String) throws {
        log.withLock { $0.append(sql) }
        if failing.withLock({ $0.contains(where: { sql.hasPrefix($0) }) }) { throw Refused(sql: sql) }
    }

    func beginTransaction(isolation: GTAIsolationLevel?, waitingUntil deadline: ContinuousClock.Instant?) async throws {
        try send("BEGIN \(isolation?.rawValue ?? "")")
    }
    func commitTransaction() async throws { try send("COMMIT") }
    func rollbackTransaction() async { try? send("ROLLBACK") }
    func runControl(_ sql: String, in state: TransactionState) async throws {
        guard state.isOpen else { throw Ended() }
        try send(sql)
    }
}

@Suite("The shared transaction skeleton")
struct TransactionSkeletonTests {
    struct Abort: Error {}

    @Test func aReturnCommitsAndAThrowRollsBack() async throws {
        let connection = RecordingConnection()
        let kept = Mutex<TransactionState?>(nil)
        let value = try await TransactionSkeleton.run(on: connection, isolation: .readCommitted, handle: { $0 }) { state in
            kept.withLock { $0 = state }
            #expect(state.isOpen)
            return 7
        }
        #expect(value == 7)
        #expect(connection.statements == ["BEGIN READ COMMITTED", "COMMIT"])
        #expect(kept.withLock { $0?.isOpen } == false)

        await #expect(throws: Abort.self) {
            try await TransactionSkeleton.run(on: connection, isolation: nil, handle: { $0 }) { _ in throw Abort() }
        }
        #expect(connection.statements.suffix(2) == ["BEGIN ", "ROLLBACK"])
    }

    @Test func aFailedBeginOrCommitRollsBack() async throws {
        let connection = RecordingConnection()
        connection.failing.withLock { $0 = ["BEGIN"] }
        await #expect(throws: RecordingConnection.Refused.self) {
            try await TransactionSkeleton.run(on: connection, isolation: nil, handle: { $0 }) { _ in Issue.record("the body ran") }
        }
        #expect(connection.statements == ["BEGIN ", "ROLLBACK"])
        connection.failing.withLock { $0 = ["COMMIT"] }
        await #expect(throws: RecordingConnection.Refused.self) {
            try await TransactionSkeleton.run(on: connection, isolation: nil, handle: { $0 }) { _ in }
        }
        #expect(connection.statements.suffix(3) == ["BEGIN ", "COMMIT", "ROLLBACK"])
    }

    @Test func savepointsReleaseOrRollBackAloneWithUniqueNames() async throws {
        let connection = RecordingConnection()
        let inner = Mutex<TransactionState?>(nil)
        try await TransactionSkeleton.run(on: connection, isolation: nil, handle: { $0 }) { outer in
            try await TransactionSkeleton.savepoint(on: connection, in: outer, handle: { $0 }) { state in
                inner.withLock { $0 = state }
            }
            #expect(inner.withLock { $0?.isOpen } == false)
            #expect(outer.isOpen)
            await #expect(throws: Abort.self) {
                try await TransactionSkeleton.savepoint(on: connection, in: outer, handle: { $0 }) { state in
                    try await TransactionSkeleton.savepoint(on: connection, in: state, handle: { $0 }) { _ in throw Abort() }
                }
            }
        }
        #expect(connection.statements == [
            "BEGIN ",
            "SAVEPOINT gta_sp_1", "RELEASE SAVEPOINT gta_sp_1",
            "SAVEPOINT gta_sp_2", "SAVEPOINT gta_sp_3",
            "ROLLBACK TO SAVEPOINT gta_sp_3", "RELEASE SAVEPOINT gta_sp_3",
            "ROLLBACK TO SAVEPOINT gta_sp_2", "RELEASE SAVEPOINT gta_sp_2",
            "COMMIT",
        ])
    }

    @Test func aHandleEndsWithItsTransactionAndWithAnyEnclosingOne() {
        let outer = TransactionState()
        let (_, inner) = outer.savepoint()
        let (_, innermost) = inner.savepoint()
        #expect(innermost.isOpen)
        outer.end()
        #expect(!inner.isOpen && !innermost.isOpen)
    }
}
