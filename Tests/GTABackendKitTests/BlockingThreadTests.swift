import GTABackendKit
import Synchronization
import Testing

@Suite("The connection thread")
struct BlockingThreadTests {
    @Test func runsWorkInOrderOnItsOwnThread() async throws {
        let thread = BlockingThread(name: "gta-test")
        let order = Recorder<Int>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<100 {
                thread.submit { order.append(n) }
            }
            group.addTask {
                let onThread = try await thread.run { thread.isCurrent }
                #expect(onThread)
            }
            try await group.waitForAll()
        }
        #expect(order.all == Array(0..<100))
        #expect(!thread.isCurrent)
        thread.stop()
        await #expect(throws: BlockingThreadStoppedError.self) { try await thread.run { 1 } }
    }

    @Test func aTaskPreferringTheThreadRunsOnIt() async throws {
        let thread = BlockingThread(name: "gta-test-executor")
        let onThread = await withTaskExecutorPreference(thread) { thread.isCurrent }
        #expect(onThread)
        // Work run from the thread itself runs inline.
        let inline = try await withTaskExecutorPreference(thread) { try await thread.run { thread.isCurrent } }
        #expect(inline)
        thread.stop()
    }
}
