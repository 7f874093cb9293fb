#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Claims `initialized` rows of this instance's keys while the pool has room, and hands them to
/// the pool (Go: `scanner.go`).
///
/// A claim takes as many rows as there are free slots (up to ``Scanner/batchLimit``) with
/// `SELECT ... FOR UPDATE SKIP LOCKED` and an optimistic update to `running`, in one short
/// transaction, so instances never claim the same row.
///
/// A claim that took every slot it had (all the free slots, up to ``Scanner/batchLimit``) says
/// there is a backlog, whatever the pool size: the next claim then comes as soon as a claim would
/// get half as many slots again (a slot is free once its handler has returned, while its status
/// write is still pending), instead of after the instant scan interval, so that draining a
/// backlog is limited by the database rather than by the interval. The tasks in memory stay
/// bounded: a claim leaves at most ``Scanner/batchLimit`` plus ``WorkerPool/writeAllowance``
/// tasks held. A claim that found fewer rows than it had slots keeps the original's timing.
struct Scanner: Sendable {
    let registry: Registry
    let store: TaskStore
    let pool: WorkerPool
    let runner: TaskRunner
    let db: any GTADatabase
    let owner: LeaseOwner
    let configuration: TaskManager.Configuration
    let logger: Logger
    /// Ends a sleep early when a delayed task this instance wrote falls due.
    var waker = ScanWaker()

    /// The most rows one claim takes, also when the pool is unbounded (it bounds the tasks a
    /// backlog puts in memory at once: about one and a half times this).
    static let batchLimit = 256

    /// How often the scanner reads again which optional columns the table has.
    static let schemaRefreshInterval = Duration.seconds(60)

    /// Scans until the surrounding task is cancelled.
    func run() async {
        let config = configuration
        // After a lost connection or an unreachable server, claim again soon (doubling up to a
        // second), not after a full scan interval: the claim resumes as soon as a connection works.
        let unavailableCap = min(Duration.seconds(1), config.scanInterval)
        var unavailableDelay = config.instantScanInterval
        // What the table has (delayed tasks change the claim): read afresh at every start.
        do {
            try await store.features.refresh(store.table, on: db)
        } catch {
            logger.warning("reading the task table's columns failed; retried at the first claim", metadata: .error(error))
        }
        var schemaReadAt = ContinuousClock.now
        var lastClaim: Duration?
        // During a backlog: the slots beyond the free ones that the wait for room counted on,
        // for the claim after it (`nil`: decide afresh).
        var backlogAhead: Int?
        while !Task.isCancelled {
            var interval = config.scanInterval
            if ContinuousClock.now - schemaReadAt >= Self.schemaRefreshInterval {
                // A table migrated while this instance runs is seen within this interval.
                schemaReadAt = ContinuousClock.now
                _ = try? await store.features.refresh(store.table, on: db)
            }
            do {
                let began = ContinuousClock.now
                let inBacklog = backlogAhead != nil
                let result = try await claim(ahead: backlogAhead ?? claimAhead(lastClaim: lastClaim))
                backlogAhead = nil
                if result.slots > 0 { lastClaim = ContinuousClock.now - began }
                unavailableDelay = config.instantScanInterval
                // A backlog: a claim that filled every slot it had, or one in a backlog that
                // found no slot (the commit hook took them meanwhile). Claim again as soon as a
                // claim would get half as many rows as this one (handlers returned free their
                // slots; pending writes count only past the pool's allowance).
                if (result.filled && result.kept > 0) || (inBacklog && result.hasKeys && result.slots == 0) {
                    let ahead = claimAhead(lastClaim: lastClaim)
                    // Half of this claim, but no more than a claim can get now (ahead may have
                    // shrunk since this claim).
                    let most = pool.capacity.map { min(Self.batchLimit, $0 + ahead) } ?? Self.batchLimit
                    let room = WorkerPool.Room(
                        claimSlots: max(1, min((result.kept + 1) / 2, most)), claimWanted: Self.batchLimit, claimAhead: ahead)
                    guard await pool.waitFor(room) else { return }
                    backlogAhead = ahead
                    continue
                }
                let claimed = result.kept
                if claimed > 0 { interval = config.instantScanInterval }
            } catch is CancellationError {
                return
            } catch {
                if let db = error.asDatabaseError, db.isTransient {
                    // Another instance held the rows; try again soon.
                    logger.debug("claim met a lock conflict, retrying", metadata: .error(error))
                    interval = config.instantScanInterval
                } else if let db = error.asDatabaseError, db.isRetryable {
                    if unavailableDelay == config.instantScanInterval {
                        logger.warning("claiming tasks failed: the database is unavailable, retrying soon", metadata: .error(error))
                    }
                    interval = unavailableDelay
                    unavailableDelay = min(unavailableDelay * 2, unavailableCap)
                } else {
                    logger.error("claiming tasks failed", metadata: .error(error))
                }
            }
            do {
                try await waker.sleep(for: interval.jittered())
            } catch {
                return
            }
        }
    }

    /// One claim. Returns how many tasks it handed to the pool.
    func scanOnce() async throws -> Int {
        try await claim().kept
    }

    /// Slots a claim may take beyond the free ones of a bounded pool, so that a small pool does
    /// not wait idle for every claim (it would drain no faster than its size per claim): as
    /// many tasks as the pool's handlers get through while one claim runs (the pool's size
    /// times the claim's time over the handlers' mean time), up to ``maxAheadRounds`` pools'
    /// worth and ``batchLimit``; none when handlers take longer than a claim. A task taken ahead
    /// waits in memory, `running` under this instance's lease, for a handler slot: about one
    /// claim's time, and no more than four handler times should handlers turn slow.
    func claimAhead(lastClaim: Duration?) -> Int {
        guard let capacity = pool.capacity, let lastClaim, let handler = pool.meanHandlerDuration, handler < lastClaim else { return 0 }
        let rounds = handler > .zero ? lastClaim / handler : Double(Self.batchLimit)
        return Int(min(Double(Self.batchLimit), Double(capacity) * min(Double(Self.maxAheadRounds), rounds.rounded(.down))))
    }

    /// The most pools' worth of tasks a claim takes ahead of the free slots: 4.
    static let maxAheadRounds = 4

    /// What one claim did.
    struct ClaimOutcome {
        /// Tasks handed to the pool.
        var kept = 0
        /// Whether it filled every slot it had (a backlog).
        var filled = false
        /// The slots it had: 0 when the pool had no room.
        var slots = 0
        /// Whether this instance has keys to claim.
        var hasKeys = true
    }

    /// One claim. `ahead`: slots beyond the free ones (``claimAhead(lastClaim:)``).
    func claim(ahead: Int = 0) async throws -> ClaimOutcome {
        let (plain, sensitive) = registry.claimableKeys()
        guard !(plain.isEmpty && sensitive.isEmpty) else { return ClaimOutcome(hasKeys: false) }
        let slots = pool.reserveForClaim(upTo: Self.batchLimit, ahead: ahead)
        guard slots > 0 else { return ClaimOutcome() }
        let claim: TaskStore.Claim
        do {
            let schema = try await store.features.schema(store.table, on: db)
            claim = try await store.claim(
                keys: plain,
                sensitiveKeys: sensitive,
                initializedAfter: Date().addingTimeInterval(-configuration.initializedTimeout.timeInterval),
                limit: slots,
                owner: owner,
                schema: schema,
                on: db
            )
        } catch {
            _ = pool.settleClaim(reserved: slots, claimed: 0)
            throw error
        }
        for row in claim.poisoned {
            logger.error(
                "unreadable row failed by id; the claim goes on", metadata: .task(row.id, row.taskKey, ["problems": "\(row.problems.joined(separator: "; "))"]))
        }
        let claimed = claim.claimed
        let kept = pool.settleClaim(reserved: slots, claimed: claimed.count)
        for task in claimed.prefix(kept) {
            runner.schedule(task, reserved: true)
        }
        if kept < claimed.count {
            // The commit hook took slots from this claim meanwhile: give the surplus rows back.
            let surplus = claimed[kept...].map(\.id)
            let changed = try await store.updateStatus(ids: surplus, from: .running, to: .initialized, owner: owner, on: db)
            logger.debug("claimed rows handed back for lack of pool slots", metadata: ["count": "\(surplus.count)", "changed": "\(changed)"])
        }
        return ClaimOutcome(kept: kept, filled: claimed.count == slots, slots: slots)
    }
}
