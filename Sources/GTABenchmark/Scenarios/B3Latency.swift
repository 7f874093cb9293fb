#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// B3: latency. One producer calls `run` `--latency-calls` times in sequence; p50, p99 and max
/// of each call's duration and of call start to handler start. The main figure is the latter's p50.
enum Latency: Scenario {
    static let id = "B3"

    /// One run's percentiles of the call's duration and of call start to handler start.
    struct Measured {
        var call, hop: Percentiles
    }

    /// p50, p99 and max, in milliseconds.
    struct Percentiles {
        var p50, p99, max: Double

        init(_ durations: [Duration]) {
            p50 = percentileMS(durations, 0.5)
            p99 = percentileMS(durations, 0.99)
            max = percentileMS(durations, 1)
        }
    }

    static func measure(_ bench: BenchContext, run _: Int) async throws -> Measured {
        let n = bench.options.latencyCalls
        let handlerStarts = Mutex([ContinuousClock.Instant?](repeating: nil, count: n))
        let run = try await bench.managerRun(expecting: n, start: true) { k in
            let now = ContinuousClock.now
            handlerStarts.withLock { if k >= 0 && k < $0.count { $0[k] = now } }
        }
        var callStarts: [ContinuousClock.Instant] = []
        var calls: [Duration] = []
        callStarts.reserveCapacity(n)
        calls.reserveCapacity(n)
        for k in 0..<n {
            let s = ContinuousClock.now
            try await run.manager.run(BenchTable.key, k)
            calls.append(ContinuousClock.now - s)
            callStarts.append(s)
        }
        try await run.waitAllSucceeded()
        try await run.finish(id)
        let starts = handlerStarts.withLock { $0 }
        let hops = (0..<n).compactMap { k in starts[k].map { $0 - callStarts[k] } }
        return Measured(call: Percentiles(calls), hop: Percentiles(hops))
    }

    static func result(of runs: [Measured], _ bench: BenchContext) -> ScenarioResult {
        /// Each percentile's median, min and max over the runs.
        func summaries(_ p: KeyPath<Measured, Percentiles>) -> (p50: Summary, p99: Summary, max: Summary) {
            (Summary(values: runs.map { $0[keyPath: p].p50 }), Summary(values: runs.map { $0[keyPath: p].p99 }),
             Summary(values: runs.map { $0[keyPath: p].max }))
        }
        func line(_ s: (p50: Summary, p99: Summary, max: Summary)) -> String {
            cFormat("p50 %.3f ms (%.3f-%.3f)  p99 %.3f ms (%.3f-%.3f)  max %.2f ms (%.2f-%.2f)",
                   s.p50.median, s.p50.min, s.p50.max, s.p99.median, s.p99.min, s.p99.max, s.max.median, s.max.min, s.max.max)
        }
        let call = summaries(\.call)
        let hop = summaries(\.hop)
        var result = ScenarioResult(id: id, name: "latency, start to handler p50", unit: "ms", figure: hop.p50)
        result.figures = ["p50": hop.p50.median, "p99": hop.p99.median]
        result.details = [
            ("calls", .int(bench.options.latencyCalls)),
            ("call_p50_ms", call.p50.json), ("call_p99_ms", call.p99.json), ("call_max_ms", call.max.json),
            ("start_to_handler_p50_ms", hop.p50.json), ("start_to_handler_p99_ms", hop.p99.json), ("start_to_handler_max_ms", hop.max.json),
        ]
        result.lines = [
            ("run call duration", line(call)),
            ("run start to handler start", line(hop)),
        ]
        return result
    }
}
