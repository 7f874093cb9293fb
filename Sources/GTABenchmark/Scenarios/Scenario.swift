#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A scenario of BENCHMARK.md: `measure` is one run on the set-up `BenchContext` shares,
/// `result` sums the `--runs` runs up. M (peak memory) is not one: it is read off B1's and B2's
/// results.
protocol Scenario {
    /// What one run measured.
    associatedtype Measured
    /// Its id on the command line and in the output: B0, B0', B1, ...
    static var id: String { get }
    static func measure(_ bench: BenchContext, run: Int) async throws -> Measured
    static func result(of runs: [Measured], _ bench: BenchContext) -> ScenarioResult
}

extension Scenario {
    /// Every run in sequence, then their result.
    /// The RSS before the first run (or what the scenario recorded before its first task) and
    /// the highest VmHWM over the runs (reset before each) go with the result.
    static func run(_ bench: BenchContext) async throws -> ScenarioResult {
        var runs: [Measured] = []
        let before = MemorySampler.status("VmRSS") ?? 0
        var peak = 0
        for run in 0..<bench.options.runs {
            MemorySampler.resetHighWaterMark()
            runs.append(try await measure(bench, run: run))
            peak = max(peak, MemorySampler.status("VmHWM") ?? 0)
        }
        var result = result(of: runs, bench)
        result.rssBeforeKB = bench.memory.before(id) ?? before
        result.rssPeakKB = peak
        return result
    }
}

enum Scenarios {
    /// Every scenario `--scenarios` can choose, in the order they run.
    static var all: [any Scenario.Type] {
        [
            SQLFloor.self, CFloor.self, InsertFloor.self, BatchFloor.self, LatencyFloor.self, CommitHook.self, ScanDrain.self,
            ScanDrainPool16.self, ScanDrainPool64.self, ScanDrainSlowHandler.self, ScanDrainProcesses.self,
            Latency.self, BatchEnqueue.self,
        ]
    }

    static var ids: [String] { all.map { $0.id } }
}

/// The scenarios `--scenarios` chose, kept in the order of `Scenarios.all`.
struct ScenarioSelection: Sendable {
    let ids: [String]

    static let all = ScenarioSelection(ids: Scenarios.ids)

    private init(ids: [String]) {
        self.ids = ids
    }

    /// A comma-separated list, in any case: `B0p` or `B0PRIME` for B0', `M` for B1 and B2.
    init(parsing list: String) throws {
        var chosen: [String] = []
        for item in list.split(separator: ",").map({ String(trimmed($0)) }) {
            var name = item.uppercased()
            if name == "B0P" || name == "B0PRIME" { name = "B0'" }
            if name == "M" {
                chosen += [CommitHook.id, ScanDrain.id]
                continue
            }
            guard let known = Scenarios.ids.first(where: { $0.uppercased() == name }) else {
                throw BenchError("unknown scenario '\(item)'; known: \(Scenarios.ids.joined(separator: ",")),M")
            }
            chosen.append(known)
        }
        ids = Scenarios.ids.filter { chosen.contains($0) }
    }

    var chosen: [any Scenario.Type] { Scenarios.all.filter { ids.contains($0.id) } }
}
