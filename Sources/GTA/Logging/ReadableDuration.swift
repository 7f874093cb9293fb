extension Duration {
    /// This duration as a person reads it: `3d12h`, `5m`, `1m30s`, `1.5s`, `250ms`, `42µs`.
    /// Durations in log lines and messages are written this way, never as raw seconds.
    public var readable: String {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return "-" + (Duration.zero - self).readable }
        let nanos = attoseconds / 1_000_000_000
        if seconds == 0 {
            if nanos == 0 { return "0s" }
            if nanos < 1_000 { return "\(nanos)ns" }
            if nanos < 1_000_000 { return Self.decimal(Double(nanos) / 1e3) + "µs" }
            return Self.decimal(Double(nanos) / 1e6) + "ms"
        }
        if seconds < 60 { return Self.decimal(Double(seconds) + Double(nanos) / 1e9) + "s" }
        let days = seconds / 86_400, hours = seconds % 86_400 / 3_600
        let minutes = seconds % 3_600 / 60, rest = seconds % 60
        var text = ""
        if days > 0 { text += "\(days)d" }
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0, days == 0 { text += "\(minutes)m" }
        if rest > 0, days == 0, hours == 0 { text += "\(rest)s" }
        return text
    }

    /// Up to three significant decimals, without trailing zeros.
    private static func decimal(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        if scaled == scaled.rounded() { return String(Int64(scaled)) }
        var text = String(scaled)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
