#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One scenario's outcome: a main figure (median, min, max over the runs) and its details.
struct ScenarioResult: Sendable {
    var id: String
    var name: String
    var unit: String
    var figure: Summary
    /// Extra JSON fields.
    var details: [(String, JSONOut)] = []
    /// Extra rows for the human table: (label, text).
    var lines: [(String, String)] = []
    /// Peak resident memory of each run in MB, where the scenario sampled it (B1, B2): M's input.
    /// Not printed with this result.
    var peakRSS: [Double] = []
    /// The scenario this one is compared with (its floor), when it has one.
    var floor: String?
    /// The process's RSS before the first task, and its peak over the runs, in kB.
    var rssBeforeKB = 0
    var rssPeakKB = 0
    /// Secondary medians the targets read (B3: `p99`).
    var figures: [String: Double] = [:]
}

/// The results of one invocation, as a table for people or as JSON lines for scripts.
struct Report {
    let results: [ScenarioResult]
    let server: ServerInfo
    let date: Date

    /// A result's median over its floor's, when both ran in this invocation.
    private func ratio(_ r: ScenarioResult) -> Double? {
        guard let floor = r.floor, let f = results.first(where: { $0.id == floor }) else { return nil }
        return r.figure.median / f.figure.median
    }

    /// One JSON object per result, one per line.
    func printJSONLines() {
        for r in results {
            var fields: [(String, JSONOut)] = [
                ("scenario", .string(r.id)), ("name", .string(r.name)), ("unit", .string(r.unit)),
                ("median", .number(r.figure.median)), ("min", .number(r.figure.min)), ("max", .number(r.figure.max)),
                ("runs", .array(r.figure.values.map { .number($0) })),
            ]
            if let ratio = ratio(r), let floor = r.floor { fields += [("floor", .string(floor)), ("vs_floor", .number(ratio))] }
            if r.rssPeakKB > 0 {
                fields += [("rss_before_mb", .number(Double(r.rssBeforeKB) / 1024)), ("rss_peak_mb", .number(Double(r.rssPeakKB) / 1024))]
            }
            fields += r.details
            fields.append(("date", .string(isoUTC(date))))
            fields.append(("server", server.json.ordered))
            print(JSONOut.object(fields).text)
        }
        for target in Targets.evaluate(results) {
            let value: JSONOut = JSONOut.number(target.value ?? .nan)  // NaN prints as null
            let pass: JSONOut = target.pass.map { JSONOut.bool($0) } ?? JSONOut.number(.nan)
            let fields: [(String, JSONOut)] = [("target", .string(target.name)), ("value", value), ("pass", pass)]
            print(JSONOut.object(fields).text)
        }
    }

    func printTable() {
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        func number(_ d: Double, _ unit: String) -> String { unit == "ms" || unit == "MB" ? cFormat("%.3f", d) : cFormat("%.0f", d) }
        print(pad("id", 6) + pad("scenario", 32) + pad("unit", 9) + lpad("median", 10) + lpad("min", 10) + lpad("max", 10) + lpad("x floor", 13)
              + "  RSS MB before/peak")
        print(String(repeating: "-", count: 110))
        for r in results {
            let ratio = ratio(r).map { cFormat("%.2f", $0) + " " + pad(r.floor ?? "", 4) } ?? ""
            let rss = r.rssPeakKB > 0 ? cFormat("  %.1f / %.1f", Double(r.rssBeforeKB) / 1024, Double(r.rssPeakKB) / 1024) : ""
            if r.id == PeakMemory.id {
                print(pad(r.id, 6) + pad(r.name, 32))
            } else {
                print(pad(r.id, 6) + pad(r.name, 32) + pad(r.unit, 9) + lpad(number(r.figure.median, r.unit), 10)
                      + lpad(number(r.figure.min, r.unit), 10) + lpad(number(r.figure.max, r.unit), 10) + lpad(ratio, 13) + rss)
            }
            for (label, text) in r.lines { print(pad("", 6) + pad("  " + label, 32) + text) }
        }
        let targets = Targets.evaluate(results)
        guard !targets.isEmpty else { return }
        print("")
        print("targets")
        for target in targets {
            let verdict = target.pass.map { $0 ? "PASS" : "MISS" } ?? ""  // a figure that is not a target
            print("  " + pad(target.name, 44) + pad(target.value.map { cFormat("%.3f", $0) } ?? "-", 10) + verdict)
        }
    }
}
