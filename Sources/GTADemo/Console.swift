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

/// The demo's log handler: the library's warnings and errors (and, with `--verbose`, its
/// per-task debug lines) as short event lines, `gta warn   #7 k: task handler failed  attempt=0  error=...`.
struct DemoLogHandler: LogHandler {
    let console: Console
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level

    init(console: Console, verbose: Bool) {
        self.console = console
        self.logLevel = verbose ? .debug : .info
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level: String
        switch event.level {
        case .trace, .debug: level = "debug"
        case .info, .notice: level = "info "
        case .warning: level = "warn "
        case .error, .critical: level = "ERROR"
        }
        console.event("gta \(level)  " + Self.line(event.message.description, metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    /// The task id and key up front, then the message, then the other items (the error last).
    static func line(_ message: String, _ metadata: Logger.Metadata) -> String {
        var line = ""
        if let id = metadata["task.id"] { line += "#\(id) " }
        if let key = metadata["task.key"] { line += "\(key): " }
        line += message
        let others = metadata.filter { $0.key != "task.id" && $0.key != "task.key" }
        for (name, value) in others.sorted(by: { ($0.key == "error" ? 1 : 0, $0.key) < ($1.key == "error" ? 1 : 0, $1.key) }) {
            line += "  \(name)=\(value)"
        }
        return line
    }
}
