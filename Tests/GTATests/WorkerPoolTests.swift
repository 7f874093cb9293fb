import Synchronization
import Testing

@testable import GTA

/// The pool's slots: a slot is free once the handler returns (the job stays until its status is
/// written), and tasks a claim takes ahead of the free slots wait for one.
@Suite struct WorkerPoolTests {
    @Test func aSlotIsFreeWhileTheStatusIsWrittenAndTheRowStaysHeld() async throws {
        let pool = WorkerPool(capacity: 1)
        #expect(pool.reserveOne())
        #expect(pool.freeSlots == 0)
        let writing = Latch()
        let written = Latch()
        pool.start(id: 7) { job in
            job.handlerReturned()
            writing.open()
            await written.wait()  // the status write, pending
        }
        await writing.wait()
        #expect(pool.freeSlots == 1)
        #expect(pool.runningIDs == [7])  // its lease is still renewed
        #expect(pool.handlerIDs.isEmpty)  // a stop does not hand it back
        #expect(pool.handlerCount == 0)
        #expect(pool.runningCount == 1)
        written.open()
        #expect(await pool.waitUntilIdle(timeout: .seconds(10)))
        #expect(pool.freeSlots == 1)
    }

    @Test func aJobWhoseEndIsHandedOnLastsUntilItIsCalled() async throws {
        let pool = WorkerPool(capacity: 2)
        #expect(pool.reserveOne())
        let end = Mutex<(@Sendable () -> Void)?>(nil)
        let returned = Latch()
        pool.start(id: 9) { job in
            job.handlerReturned()
            end.withLock { $0 = job.endLater() }
            returned.open()
        }
        await returned.wait()
        try await Task.sleep(for: .milliseconds(50))  // its task is over by now
        #expect(pool.runningIDs == [9])
        #expect(pool.freeSlots == 2)
        end.withLock { $0 }?()
        #expect(pool.runningCount == 0)
        #expect(await pool.waitUntilIdle(timeout: .seconds(1)))
    }

    @Test func tasksTakenAheadWaitForAHandlerSlotInOrder() async throws {
        let pool = WorkerPool(capacity: 2)
        #expect(pool.reserveForClaim(upTo: 10) == 2)
        #expect(pool.settleClaim(reserved: 2, claimed: 0) == 0)
        let got = pool.reserveForClaim(upTo: 10, ahead: 4)
        #expect(got == 6)
        #expect(pool.settleClaim(reserved: got, claimed: got) == 6)
        let concurrent = Mutex((now: 0, most: 0, order: [UInt64]()))
        let release = Latch()
        for id in 1...6 {
            pool.start(id: UInt64(id)) { job in
                concurrent.withLock { c in
                    c.now += 1
                    c.most = max(c.most, c.now)
                    c.order.append(UInt64(id))
                }
                await release.wait()
                concurrent.withLock { $0.now -= 1 }
                job.handlerReturned()
            }
        }
        try await eventuallyTrue { pool.handlerCount == 2 && pool.queuedCount == 4 }
        #expect(pool.runningCount == 6)
        #expect(Set(pool.handlerIDs) == Set(1...6))  // the waiting ones are handed back at stop
        #expect(pool.freeSlots == 0)
        release.open()
        #expect(await pool.waitUntilIdle(timeout: .seconds(10)))
        let seen = concurrent.withLock { $0 }
        #expect(seen.most <= 2)
        #expect(seen.order.count == 6)
        let waited = Array(seen.order.suffix(4))
        #expect(waited == waited.sorted())  // those that waited went in start (claim) order
        #expect(pool.freeSlots == 2)
    }

    @Test func aTaskCancelledWhileItWaitsNeverRuns() async throws {
        let pool = WorkerPool(capacity: 1)
        let got = pool.reserveForClaim(upTo: 2, ahead: 1)
        #expect(pool.settleClaim(reserved: got, claimed: got) == 2)
        let ran = Mutex<[UInt64]>([])
        let release = Latch()
        for id: UInt64 in [1, 2] {
            pool.start(id: id) { job in
                ran.withLock { $0.append(id) }
                await release.wait()
                job.handlerReturned()
            }
        }
        try await eventuallyTrue { pool.handlerCount == 1 }
        pool.cancel(ids: [2])
        try await eventuallyTrue { pool.runningCount == 1 }
        release.open()
        #expect(await pool.waitUntilIdle(timeout: .seconds(10)))
        #expect(ran.withLock { $0 } == [1])
        #expect(pool.freeSlots == 1)
    }
}

/// Opens once; every waiter, before or after, goes on.
private final class Latch: Sendable {
    private let state = Mutex((open: false, waiting: [CheckedContinuation<Void, Never>]()))
    func open() {
        let waiting = state.withLock { s in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        waiting.forEach { $0.resume() }
    }
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}

private func eventuallyTrue(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met in 10 s")
            return
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

extension WorkerPoolTests {
    @Test func aWaitForMoreRoomThanThePoolCanHaveIsNotMet() async throws {
        // The scanner must ask for no more than a claim can get: this documents why.
        let pool = WorkerPool(capacity: 2)
        let waited = Task { await pool.waitFor(WorkerPool.Room(claimSlots: 3, claimWanted: 256, claimAhead: 0)) }
        try await Task.sleep(for: .milliseconds(100))
        waited.cancel()
        #expect(await waited.value == false)
        #expect(await pool.waitFor(WorkerPool.Room(claimSlots: 2, claimWanted: 256, claimAhead: 0)))
        #expect(await pool.waitFor(WorkerPool.Room(claimSlots: 6, claimWanted: 256, claimAhead: 4)))
    }
}

extension WorkerPoolTests {
    @Test func pendingWritesBeyondThePoolSizeTakeSlots() async throws {
        // Pool of 2: up to 4 status writes may be pending for free; a fifth takes a slot.
        let pool = WorkerPool(capacity: 2)
        #expect(WorkerPool.writeLimit(2) == 4)
        #expect(WorkerPool.writeLimit(1000) == WorkerPool.writeAllowance)
        #expect(WorkerPool.writeLimit(nil) == WorkerPool.writeAllowance)
        let written = Latch()
        for id: UInt64 in 1...5 {
            #expect(pool.reserveOne())
            let returned = Latch()
            pool.start(id: id) { job in
                job.handlerReturned()
                returned.open()
                await written.wait()
            }
            await returned.wait()
        }
        #expect(pool.runningCount == 5)
        #expect(pool.freeSlots == 1)
        #expect(pool.reserveForClaim(upTo: 10, ahead: 4) == 5)
        #expect(pool.settleClaim(reserved: 5, claimed: 0) == 0)
        written.open()
        #expect(await pool.waitUntilIdle(timeout: .seconds(10)))
        #expect(pool.freeSlots == 2)
    }
}
