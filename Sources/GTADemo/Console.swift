import Foundation
import GTA
import Synchronization

/// Writes the demo's lines to standard output, one whole line per write, so that lines from
/// handlers, the logger and the progress monitor never mix. Event lines carry the time since
/// the demo started.
final class Console: Sendable {
    private let started = ContinuousClock.now
    private let lock = Mutex(())

    /// A plain line.
    func say(_ text: String = "") {
        write(text + "\n", to: .standardOutput)
    }

    /// A line stamped with the time since the demo started, such as `  1.25s  receipt ...`.
    func event(_ text: String) {
        let elapsed = seconds(ContinuousClock.now - started)
        say(String(format: "%6.2fs  ", elapsed) + text)
    }

    /// A line on standard error.
    func error(_ text: String) {
        write(text + "\n", to: .standardError)
    }

    private func write(_ text: String, to handle: FileHandle) {
        lock.withLock { _ in
            handle.write(Data(text.utf8))
        }
    }
}

/// A duration in seconds, as a `Double`.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}

/// A short text for a duration: `50 ms`, `1 s`, `1.5 s`.
func short(_ duration: Duration) -> String {
    let s = seconds(duration)
    if s < 1 { return "\(Int((s * 1000).rounded())) ms" }
    if s == s.rounded() { return "\(Int(s)) s" }
    return String(format: "%.1f s", s)
}

/// The demo's `GTA.Logger`: the library's warnings and errors (and, with `--verbose`, its
/// per-task debug lines) as short event lines.
///
/// The library writes Go-style lines such as
/// `[executeTask] task handler failed, err[...], task_key[k], task_id[7], attempt[0]`; this
/// logger shows them as `gta warn   #7 k: task handler failed  attempt=0  err=...`.
struct DemoLogger: GTA.Logger {
    let console: Console
    let verbose: Bool

    func printf(_ message: @autoclosure () -> String) { show("info ", message()) }
    func infof(_ message: @autoclosure () -> String) { show("info ", message()) }
    func warnf(_ message: @autoclosure () -> String) { show("warn ", message()) }
    func errorf(_ message: @autoclosure () -> String) { show("ERROR", message()) }
    func debugf(_ message: @autoclosure () -> String) {
        if verbose { show("debug", message()) }
    }

    private func show(_ level: String, _ message: String) {
        console.event("gta \(level)  " + Self.compact(message))
    }

    /// Drops the `[function]` tag and turns `name[value]` fields into `name=value`, with the
    /// task id and key up front.
    static func compact(_ message: String) -> String {
        var rest = Substring(message)
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
        }
        var text: [String] = []
        var fields: [(name: String, value: String)] = []
        for part in splitTopLevel(rest) {
            if let open = part.firstIndex(of: "["), part.hasSuffix("]"),
                part[..<open].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), open != part.startIndex
            {
                let value = part[part.index(after: open)..<part.index(before: part.endIndex)]
                fields.append((String(part[..<open]), String(value)))
            } else {
                text.append(String(part))
            }
        }
        var line = ""
        if let id = fields.first(where: { $0.name == "task_id" }) { line += "#\(id.value) " }
        if let key = fields.first(where: { $0.name == "task_key" }) { line += "\(key.value): " }
        line += text.joined(separator: ", ")
        let others = fields.filter { $0.name != "task_id" && $0.name != "task_key" }
        for field in others.sorted(by: { ($0.name == "err" ? 1 : 0) < ($1.name == "err" ? 1 : 0) }) {
            line += "  \(field.name)=\(field.value)"
        }
        return line
    }

    /// Splits at `, ` outside brackets.
    private static func splitTopLevel(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "[" { depth += 1 }
            if c == "]" { depth = max(0, depth - 1) }
            let next = text.index(after: i)
            if c == ",", depth == 0, next < text.endIndex, text[next] == " " {
                parts.append(text[start..<i])
                start = text.index(after: next)
                i = start
                continue
            }
            i = next
        }
        if start < text.endIndex { parts.append(text[start...]) }
        return parts
    }
}
