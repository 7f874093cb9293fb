import Foundation

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
    /// Whether this figure is compared with the C floor (B0').
    var comparesWithFloor = true
    /// Peak resident memory of each run in MB, where the scenario sampled it (B1, B2): M's input.
    /// Not printed with this result.
    var peakRSS: [Double] = []
}

/// The results of one invocation, as a table for people or as JSON lines for scripts.
struct Report {
    let results: [ScenarioResult]
    let server: ServerInfo
    let date: Date

    /// The C floor's median (B0'), when it ran in this invocation.
    private var floor: Double? { results.first { $0.id == CFloor.id }?.figure.median }

    /// A result's median over the C floor's, for the figures compared with it.
    private func ratio(_ r: ScenarioResult) -> Double? {
        guard r.comparesWithFloor, let floor, r.id != CFloor.id else { return nil }
        return r.figure.median / floor
    }

    /// One JSON object per result, one per line.
    func printJSONLines() {
        for r in results {
            var fields: [(String, JSONOut)] = [
                ("scenario", .string(r.id)), ("name", .string(r.name)), ("unit", .string(r.unit)),
                ("median", .number(r.figure.median)), ("min", .number(r.figure.min)), ("max", .number(r.figure.max)),
                ("runs", .array(r.figure.values.map { .number($0) })),
            ]
            if let ratio = ratio(r) { fields.append(("vs_mysqlslap", .number(ratio))) }
            fields += r.details
            fields.append(("date", .string(ISO8601DateFormatter().string(from: date))))
            fields.append(("server", server.json.ordered))
            print(JSONOut.object(fields).text)
        }
    }

    func printTable() {
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        func number(_ d: Double, _ unit: String) -> String { unit == "ms" || unit == "MB" ? String(format: "%.3f", d) : String(format: "%.0f", d) }
        print(pad("id", 6) + pad("scenario", 32) + pad("unit", 9) + lpad("median", 10) + lpad("min", 10) + lpad("max", 10) + lpad("x B0'", 8))
        print(String(repeating: "-", count: 85))
        for r in results {
            let ratio = ratio(r).map { String(format: "%.2f", $0) } ?? ""
            if r.id == PeakMemory.id {
                print(pad(r.id, 6) + pad(r.name, 32))
            } else {
                print(pad(r.id, 6) + pad(r.name, 32) + pad(r.unit, 9) + lpad(number(r.figure.median, r.unit), 10)
                      + lpad(number(r.figure.min, r.unit), 10) + lpad(number(r.figure.max, r.unit), 10) + lpad(ratio, 8))
            }
            for (label, text) in r.lines { print(pad("", 6) + pad("  " + label, 32) + text) }
        }
    }
}
