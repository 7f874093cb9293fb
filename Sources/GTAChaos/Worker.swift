import Dispatch
import Foundation
import GTA
import GTAMariaDB

#if canImport(Glibc)
import Glibc
#endif

/// `gta-chaos worker --url URL [--pool-size 8] [--scan-interval 1] [--instant-scan-interval 0.1]`
///
/// A task manager with the chaos keys, started, until SIGTERM or SIGINT (then a graceful
/// `stop(wait: true)`). The orchestrator SIGKILLs workers at random moments.
enum WorkerCommand {
    static func main(_ arguments: [String]) async throws -> Int32 {
        let flags = try Flags(arguments)
        try flags.check(allowed: ChaosManager.optionNames.union(["url"]))
        exitWithParent()
        let db = try MariaDBDatabase(url: try flags.required("url"))
        let manager = try ChaosManager.make(db: db, flags: flags)
        manager.start()
        emit("worker \(getpid()) started at \(formatMicros(nowMicros()))")
        let signal = await TerminationSignal.wait()
        emit("worker \(getpid()): signal \(signal), stopping")
        await manager.stop(wait: true)
        await db.shutdown()
        emit("worker \(getpid()) stopped")
        return 0
    }
}

/// Waits for SIGTERM or SIGINT and returns which one came.
enum TerminationSignal {
    static func wait() async -> Int32 {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let fired = OnceFlag()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let queue = DispatchQueue(label: "gta-chaos.signals")
            var sources: [DispatchSourceSignal] = []
            for number in [SIGTERM, SIGINT] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    guard !fired.isSet else { return }
                    fired.set()
                    continuation.resume(returning: number)
                }
                source.resume()
                sources.append(source)
            }
            // The sources live as long as the process: a worker waits for its signal once.
            SignalSources.keep(sources)
        }
    }
}

private enum SignalSources {
    nonisolated(unsafe) private static var kept: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { kept = sources }
}
