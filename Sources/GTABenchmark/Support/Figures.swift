#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A scenario's or a worker's failure: a check that did not hold, a timeout, a tool that failed.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Median, min and max of a run's figures.
struct Summary: Sendable {
    var values: [Double]
    var median: Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }

    /// `{"median": ..., "min": ..., "max": ...}`.
    var json: JSONOut { .object([("median", .number(median)), ("min", .number(min)), ("max", .number(max))]) }

    /// `median unit (min ..., max ...)` for the table, each number in `format`.
    func line(_ format: String, _ unit: String) -> String {
        cFormat("\(format) \(unit) (min \(format), max \(format))", median, min, max)
    }
}

/// The `q` quantile (0...1) of durations, in milliseconds (nearest rank).
func percentileMS(_ durations: [Duration], _ q: Double) -> Double {
    let s = durations.sorted()
    guard !s.isEmpty else { return .nan }
    let rank = Swift.min(s.count - 1, Swift.max(0, Int((q * Double(s.count)).rounded(.up)) - 1))
    return s[rank].milliseconds
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
    var milliseconds: Double { seconds * 1000 }
}

/// A tiny JSON writer for the `--json` lines.
indirect enum JSONOut: Sendable {
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case array([JSONOut])
    case object([(String, JSONOut)])

    var text: String {
        switch self {
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 { out += cFormat("\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                }
            }
            return out + "\""
        case .number(let d):
            guard d.isFinite else { return "null" }
            return cFormat("%.3f", d)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .array(let a): return "[" + a.map(\.text).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { JSONOut.string($0.0).text + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }
}

extension Dictionary where Key == String, Value == JSONOut {
    var ordered: JSONOut { .object(sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
}
