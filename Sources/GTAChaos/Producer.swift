import Foundation
import GTA
import GTAMariaDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `gta-chaos producer --url URL --record FILE --tasks N [--rate 25] [--concurrency 4]
///  [--seed S] [--incarnation K] [--deadline SECONDS] [manager options]`
///
/// Creates tasks over every creation path until N of them are seen committed (counting those
/// an earlier incarnation recorded in FILE), paced at `--rate` tasks a second. Every call is
/// recorded in FILE, fsync'd, before it starts (`begin`) and after it ends (`ok`, `unknown`,
/// `failed`), so that a kill of this process loses nothing it saw. A failed or unknown call is
/// retried as a new task (new uuid).
///
/// The producer's own task manager is started: the tasks it creates in `manager.transaction`
/// (and with `run`) run in its pool, as they would in an application.
enum ProducerCommand {
    static func main(_ arguments: [String]) async throws -> Int32 {
        let flags = try Flags(arguments)
        try flags.check(allowed: ChaosManager.optionNames.union([
            "url", "record", "tasks", "rate", "concurrency", "seed", "incarnation", "deadline",
        ]))
        let recordPath = try flags.required("record")
        let total = try flags.int("tasks", 1000)
        let rate = max(0.1, try flags.double("rate", 25))
        let concurrency = max(1, try flags.int("concurrency", 4))
        let seed = UInt64(try flags.int("seed", 1))
        let incarnation = try flags.int("incarnation", 0)
        let deadline = ContinuousClock.now + .seconds(try flags.double("deadline", 3600))

        let already = LineLog.read(recordPath).filter { $0.first == "ok" }.count
        let record = try LineLog(path: recordPath)
        exitWithParent()
        let db = try MariaDBDatabase(url: try flags.required("url"))
        let manager = try ChaosManager.make(db: db, flags: flags)
        manager.start()
        let target = max(0, total - already)
        emit("producer \(getpid()) incarnation \(incarnation): \(already) tasks already committed, \(target) to go at \(rate)/s")

        let state = ProducerState(target: target, rate: rate)
        await withTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    var random = SeededRandom(seed: seed &* 0x1000_0001 &+ UInt64(incarnation) &* 7919 &+ UInt64(lane) &* 104_729)
                    await runLane(manager: manager, db: db, record: record, state: state, incarnation: incarnation,
                                  deadline: deadline, random: &random)
                }
            }
        }
        let committed = state.committed.load(ordering: .relaxed)
        emit("producer \(getpid()): done: \(committed) committed, \(state.unknown.load(ordering: .relaxed)) unknown, \(state.failed.load(ordering: .relaxed)) failed calls' tasks")
        await manager.stop(wait: true)
        await db.shutdown()
        return committed >= target ? 0 : 3
    }

    private static func runLane(
        manager: TaskManager, db: MariaDBDatabase, record: LineLog, state: ProducerState, incarnation: Int,
        deadline: ContinuousClock.Instant, random: inout SeededRandom
    ) async {
        while state.committed.load(ordering: .relaxed) < state.target, ContinuousClock.now < deadline {
            let path = CreationPath.allCases.randomElement(using: &random)!
            let key = ChaosKey.allCases.randomElement(using: &random)!
            let count = path.isBatch ? Int.random(in: 2...8, using: &random) : 1
            let arguments = (0..<count).map { _ in
                ChaosArgument(uuid: UUID().uuidString.lowercased(), path: path.rawValue,
                              sleepMs: key.sleeps ? Int.random(in: 100...700, using: &random) : 0)
            }
            // Pacing: task number k is due k / rate seconds after the start. A lane that fell
            // behind (the server was away) catches up at once: a burst.
            let k = state.issued.add(count, ordering: .relaxed).oldValue
            let due = state.start + .milliseconds(Int(Double(k) / state.rate * 1000))
            if due > ContinuousClock.now { try? await Task.sleep(until: due) }

            let begun = nowMicros()
            record.append(arguments.map { "begin\t\($0.uuid)\t\(path.rawValue)\t\(key.rawValue)\t\(incarnation)\t\(begun)" })
            let outcome = await attempt(path: path, key: key, arguments: arguments, manager: manager, db: db)
            let ended = nowMicros()
            switch outcome {
            case .committed:
                record.append(arguments.map { "ok\t\($0.uuid)\t\(ended)" })
                state.committed.add(count, ordering: .relaxed)
            case .unknown(let error):
                record.append(arguments.map { "unknown\t\($0.uuid)\t\(ended)\t\(oneLine("\(error)"))" })
                state.unknown.add(count, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(200))
            case .notCommitted(let error):
                record.append(arguments.map { "failed\t\($0.uuid)\t\(ended)\t\(oneLine("\(error)"))" })
                state.failed.add(count, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    enum Outcome {
        /// The call returned: the transaction committed.
        case committed
        /// The call failed at or after the commit (or in the one autocommitted insert of `run`):
        /// the rows may or may not exist.
        case unknown(any Error)
        /// The call failed before the commit was sent: nothing was written.
        case notCommitted(any Error)
    }

    private static func attempt(
        path: CreationPath, key: ChaosKey, arguments: [ChaosArgument], manager: TaskManager, db: MariaDBDatabase
    ) async -> Outcome {
        // Set when the transaction's body has returned: an error after that came from COMMIT.
        let bodyDone = OnceFlag()
        let taskKey = key.taskKey
        do {
            switch path {
            case .run:
                try await manager.run(taskKey, arguments[0])
            case .txHook:
                try await manager.transaction { tx in
                    try await insertOrders(arguments, path: path, on: tx)
                    try await manager.runWithTx(tx, taskKey, arguments[0])
                    bodyDone.set()
                }
            case .txPlain:
                try await db.transaction { tx in
                    try await insertOrders(arguments, path: path, on: tx)
                    try await manager.runWithTx(tx, taskKey, arguments[0])
                    bodyDone.set()
                }
            case .batchHook:
                try await manager.transaction { tx in
                    try await insertOrders(arguments, path: path, on: tx)
                    try await manager.runBatchWithTx(tx, taskKey, arguments.map { $0 })
                    bodyDone.set()
                }
            case .batchPlain:
                try await db.transaction { tx in
                    try await insertOrders(arguments, path: path, on: tx)
                    try await manager.runBatchWithTx(tx, taskKey, arguments.map { $0 })
                    bodyDone.set()
                }
            }
            return .committed
        } catch {
            if path == .run { return sentNothing(error) ? .notCommitted(error) : .unknown(error) }
            // A body that threw was rolled back (or its connection died before COMMIT, which
            // rolls back too): nothing was written. A COMMIT that failed may have committed.
            return bodyDone.isSet ? .unknown(error) : .notCommitted(error)
        }
    }

    /// Whether `run`'s error certainly came before its insert reached the server: no connection
    /// could be had. Anything else (a connection lost during the insert) is an unknown outcome.
    private static func sentNothing(_ error: any Error) -> Bool {
        if error is GTAError { return true }
        guard let error = error as? MariaDBError else { return false }
        if error.isConnectFailure || error.isPoolTimeout { return true }
        return [.connect, .poolClosed, .invalidConfiguration].contains(error.kind)
    }

    private static func insertOrders(_ arguments: [ChaosArgument], path: CreationPath, on tx: any GTATransaction) async throws {
        let now = nowMicros()
        let values = Array(repeating: "(?, ?, ?)", count: arguments.count).joined(separator: ", ")
        try await tx.execute(
            "INSERT INTO \(ChaosTables.orders) (uuid, path, created_us) VALUES \(values)",
            arguments.flatMap { [GTAValue.string($0.uuid), .string(path.rawValue), .int(now)] })
    }
}

/// Counters shared by the producer's lanes.
final class ProducerState: Sendable {
    let target: Int
    let rate: Double
    let start = ContinuousClock.now
    let issued = Atomic<Int>(0)
    let committed = Atomic<Int>(0)
    let unknown = Atomic<Int>(0)
    let failed = Atomic<Int>(0)

    init(target: Int, rate: Double) {
        self.target = target
        self.rate = rate
    }
}
