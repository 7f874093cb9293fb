import GTABackendKit
import Synchronization
import Testing

@Suite("The shared connection pool")
struct ConnectionPoolTests {
    @Test func opensLazilyUpToTheMaximumAndReusesIdleConnections() async throws {
        let opener = FakeOpener()
        let pool = makePool(maximum: 3, opener: opener)
        #expect(pool.statistics.open == 0)
        let a = try await pool.acquire()
        let b = try await pool.acquire()
        #expect(opener.opened == 2)
        pool.release(a)
        let again = try await pool.acquire()
        #expect(again === a)
        #expect(opener.opened == 2)
        pool.release(again)
        pool.release(b)
        let stats = pool.statistics
        #expect(stats.open == 2 && stats.idle == 2 && stats.peakOpen == 2 && stats.maximum == 3 && stats.waiting == 0)
        await pool.shutdown(waitingForConnectionsInUse: false)
        #expect(a.isClosed && b.isClosed)
    }

    @Test func waitersAreServedFirstInFirstOut() async throws {
        let pool = makePool(maximum: 1)
        let held = try await pool.acquire()
        let order = Recorder<Int>()
        var waiters: [Task<Void, any Error>] = []
        for n in 0..<5 {
            waiters.append(Task {
                let connection = try await pool.acquire()
                order.append(n)
                pool.release(connection)
            })
            try await eventually("waiter \(n) to queue") { pool.statistics.waiting == n + 1 }
        }
        pool.release(held)
        for waiter in waiters { try await waiter.value }
        #expect(order.all == [0, 1, 2, 3, 4])
        #expect(pool.statistics.open == 1)
    }

    @Test func anAcquireTimesOutWithTheBackendsError() async throws {
        let pool = makePool(maximum: 1, timeout: .milliseconds(200))
        let held = try await pool.acquire()
        let start = ContinuousClock.now
        let error = await caught { _ = try await pool.acquire() }
        let waited = ContinuousClock.now - start
        #expect(error as? FakePoolError == FakePoolError(failure: .timedOut(after: .milliseconds(200), maximum: 1)))
        #expect(waited >= .milliseconds(190) && waited < .seconds(15))  // timed out, not hung (a loaded machine is slow)
        #expect(pool.statistics.waiting == 0)
        pool.release(held)
        #expect(try await pool.acquire() === held)
    }

    @Test func oneSweeperTimesOutManyWaitersInOrder() async throws {
        let pool = makePool(maximum: 1, timeout: .milliseconds(150))
        let held = try await pool.acquire()
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 {
                group.addTask { (try? await pool.acquire()) == nil }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0 })
        #expect(pool.statistics.waiting == 0)
        // A later waiter gets a fresh deadline and is served once the connection comes back.
        let waiter = Task { try await pool.acquire() }
        try await eventually("the waiter to queue") { pool.statistics.waiting == 1 }
        pool.release(held)
        #expect(try await waiter.value === held)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let pool = makePool(maximum: 1, timeout: .seconds(30))
        let held = try await pool.acquire()
        let waiter = Task { try await pool.acquire() }
        try await eventually("the waiter to queue") { pool.statistics.waiting == 1 }
        waiter.cancel()
        #expect(await caught { _ = try await waiter.value } is CancellationError)
        #expect(pool.statistics.waiting == 0)
        // Cancelled before it even asks: it never waits.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await pool.acquire()
        }
        #expect(await caught { _ = try await early.value } is CancellationError)
        pool.release(held)
        #expect(try await pool.acquire() === held)
    }

    @Test(arguments: [PoolDropReason.linkLost, .inTransaction])
    func anUnusableConnectionIsDroppedAndItsSlotGoesToTheNextAcquirer(_ reason: PoolDropReason) async throws {
        let opener = FakeOpener()
        let pool = makePool(maximum: 1, opener: opener)
        let first = try await pool.acquire()
        let waiter = Task { try await pool.acquire() }
        try await eventually("the waiter to queue") { pool.statistics.waiting == 1 }
        first.breakIt(reason)
        pool.release(first)
        let second = try await waiter.value
        #expect(second !== first)
        #expect(first.isClosed)
        #expect(opener.opened == 2)
        #expect(pool.statistics.open == 1)
        pool.release(second)
        #expect(pool.statistics.idle == 1)
    }

    @Test func aFailedOpenGivesItsSlotBack() async throws {
        let opener = FakeOpener()
        let pool = makePool(maximum: 1, opener: opener)
        opener.failNext(1)
        #expect(await caught { _ = try await pool.acquire() } is FakeOpener.OpenFailed)
        #expect(pool.statistics.open == 0)
        let held = try await pool.acquire()
        // Two waiters; the dropped connection's slot goes to the first, whose open fails, and
        // that slot then goes to the second.
        let first = Task { try await pool.acquire() }
        try await eventually("the first waiter to queue") { pool.statistics.waiting == 1 }
        let second = Task { try await pool.acquire() }
        try await eventually("the second waiter to queue") { pool.statistics.waiting == 2 }
        opener.failNext(1)
        held.breakIt(.linkLost)
        pool.release(held)
        #expect(await caught { _ = try await first.value } is FakeOpener.OpenFailed)
        let connection = try await second.value
        #expect(connection !== held)
        #expect(pool.statistics.open == 1 && pool.statistics.waiting == 0)
    }

    @Test func initialConnectionsAreHandedOutFirstAndInOrder() async throws {
        let initial = [FakeConnection(number: 101), FakeConnection(number: 102)]
        let opener = FakeOpener()
        let pool = makePool(maximum: 2, initial: initial, opener: opener)
        #expect(pool.statistics.open == 2 && pool.statistics.idle == 2)
        #expect(try await pool.acquire() === initial[0])
        #expect(try await pool.acquire() === initial[1])
        #expect(opener.opened == 0)
    }

    @Test func shutdownFailsWaitersAndClosesConnectionsAsTheyComeBack() async throws {
        let pool = makePool(maximum: 2)
        let inUse = try await pool.acquire()
        let idle = try await pool.acquire()
        pool.release(idle)
        _ = try await pool.acquire()  // idle again in use: both busy
        let waiter = Task { try await pool.acquire() }
        try await eventually("the waiter to queue") { pool.statistics.waiting == 1 }
        await pool.shutdown(waitingForConnectionsInUse: false)
        #expect(await caught { _ = try await waiter.value } as? FakePoolError == FakePoolError(failure: .closed))
        #expect(await caught { _ = try await pool.acquire() } as? FakePoolError == FakePoolError(failure: .closed))
        #expect(!inUse.isClosed)
        pool.release(inUse)
        #expect(inUse.isClosed)
        pool.release(idle)
        #expect(pool.statistics.open == 0)
        await pool.shutdown(waitingForConnectionsInUse: false)  // a second call does nothing
        #expect(inUse.closeCount == 1)
    }

    @Test func shutdownCanWaitForTheConnectionsInUse() async throws {
        let pool = makePool(maximum: 2)
        let inUse = try await pool.acquire()
        let idle = try await pool.acquire()
        pool.release(idle)
        let finished = Atomic<Bool>(false)
        let shutdown = Task {
            await pool.shutdown(waitingForConnectionsInUse: true)
            finished.store(true, ordering: .releasing)
        }
        try await eventually("the idle connection to close") { idle.isClosed }
        try await Task.sleep(for: .milliseconds(50))
        let finishedEarly = finished.load(ordering: .acquiring)
        #expect(!finishedEarly)
        #expect(!inUse.isClosed)
        pool.release(inUse)
        await shutdown.value
        #expect(inUse.isClosed && inUse.closeCount == 1)
        #expect(pool.statistics.open == 0)
    }

    @Test func manyTasksShareAFewConnections() async throws {
        let opener = FakeOpener()
        let pool = makePool(maximum: 4, timeout: .seconds(10), opener: opener)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    let connection = try await pool.acquire()
                    await Task.yield()
                    pool.release(connection)
                }
            }
            try await group.waitForAll()
        }
        let stats = pool.statistics
        #expect(stats.peakOpen <= 4 && stats.open <= 4 && stats.waiting == 0 && stats.idle == stats.open)
        #expect(opener.opened <= 4)
    }

    @Test func afterALostLinkIdleConnectionsAreCheckedBeforeTheyAreHandedOut() async throws {
        let opener = FakeOpener()
        let pool = makePool(maximum: 3, opener: opener)
        let (a, b, c) = (try await pool.acquire(), try await pool.acquire(), try await pool.acquire())
        pool.release(a)
        pool.release(b)
        // Nothing was lost yet: an idle connection is handed out unchecked.
        #expect(try await pool.acquire() === b)
        pool.release(b)
        #expect(a.checkCount == 0 && b.checkCount == 0)
        // c comes back having lost its link (a server restart, say), and so have a and b.
        a.die()
        b.die()
        c.breakIt(.linkLost)
        pool.release(c)
        #expect(c.isClosed)
        // The next acquire checks b and a, drops both, and opens a fresh connection.
        let fresh = try await pool.acquire()
        #expect(fresh !== a && fresh !== b && fresh !== c)
        #expect(a.checkCount == 1 && b.checkCount == 1)
        #expect(a.isClosed && b.isClosed)
        #expect(pool.statistics.open == 1)
        // A connection that passed (or never needed) the check is trusted again once released.
        pool.release(fresh)
        #expect(try await pool.acquire() === fresh)
        #expect(fresh.checkCount == 0)
    }

    @Test func anIdleConnectionThatAnswersIsKeptAfterALostLink() async throws {
        let pool = makePool(maximum: 2)
        let (a, b) = (try await pool.acquire(), try await pool.acquire())
        pool.release(a)
        b.breakIt(.linkLost)
        pool.release(b)
        #expect(try await pool.acquire() === a)
        #expect(a.checkCount == 1)
        pool.release(a)
        #expect(try await pool.acquire() === a)
        #expect(a.checkCount == 1)
    }

    @Test func aFailedOpenMakesTheIdleConnectionsSuspect() async throws {
        let opener = FakeOpener()
        let pool = makePool(maximum: 2, opener: opener)
        let a = try await pool.acquire()
        // While a second connection is being opened, a goes back idle; then the open fails
        // (the server is gone, perhaps), so a is checked before it is handed out again.
        let gate = Gate()
        opener.gate.withLock { $0 = gate }
        opener.failNext(1)
        let opening = Task { try await pool.acquire() }
        try await eventually("the open to start") { gate.waiting == 1 }
        pool.release(a)
        gate.open()
        #expect(await caught { _ = try await opening.value } is FakeOpener.OpenFailed)
        #expect(try await pool.acquire() === a)
        #expect(a.checkCount == 1)
    }

    @Test func aCallersDeadlineEndsItsWaitBeforeTheAcquireTimeout() async throws {
        let pool = makePool(maximum: 1, timeout: .seconds(30))
        let held = try await pool.acquire()
        // A patient waiter queues first; a hurried one after it must still give up on time,
        // though the sweeper was set for the patient one's later deadline.
        let patient = Task { try await pool.acquire(deadline: .now + .seconds(20)) }
        try await eventually("the patient waiter to queue") { pool.statistics.waiting == 1 }
        let start = ContinuousClock.now
        let error = await caught { _ = try await pool.acquire(deadline: .now + .milliseconds(150)) }
        let waited = ContinuousClock.now - start
        guard case .timedOut(let after, 1)? = (error as? FakePoolError)?.failure else {
            Issue.record("expected a timeout, got \(String(describing: error))")
            return
        }
        #expect(after <= .milliseconds(150))
        #expect(waited >= .milliseconds(140) && waited < .seconds(15))  // timed out, not hung (a loaded machine is slow)
        #expect(pool.statistics.waiting == 1)
        // A deadline already past fails at once.
        #expect(await caught { _ = try await pool.acquire(deadline: .now - .seconds(1)) } is FakePoolError)
        pool.release(held)
        #expect(try await patient.value === held)
    }
}
