#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// M: peak resident memory of the process during B1 and B2, from the peaks those scenarios
/// sampled (`ScenarioResult.peakRSS`). Not chosen on its own: it comes with B1 or B2.
enum PeakMemory {
    static let id = "M"

    /// M's result, or nil when no scenario sampled memory.
    static func result(from results: [ScenarioResult]) -> ScenarioResult? {
        let sampled = results.filter { !$0.peakRSS.isEmpty }.sorted { $0.id < $1.id }
        guard !sampled.isEmpty else { return nil }
        var m = ScenarioResult(id: id, name: "peak RSS", unit: "MB", figure: Summary(values: sampled.flatMap(\.peakRSS)))
        for scenario in sampled {
            let s = Summary(values: scenario.peakRSS)
            m.details.append(("\(scenario.id.lowercased())_peak_rss_mb", s.json))
            m.lines.append(("during \(scenario.id)", s.line("%.1f", "MB")))
        }
        return m
    }
}
