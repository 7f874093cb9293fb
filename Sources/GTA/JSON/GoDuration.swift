extension Duration {
    /// This duration as Go's `time.Duration`: a whole number of nanoseconds in an `Int64`, which
    /// is how Go writes durations in JSON (`{"storage_timeout":3600000000000}` is one hour).
    ///
    /// Sub-nanosecond parts are truncated toward zero; durations beyond Go's range (about ±292
    /// years) saturate at `Int64.min` or `Int64.max`, as Go's `time.Duration` arithmetic does.
    public var goNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }

    /// Creates a duration from Go's `time.Duration` value, a number of nanoseconds.
    public init(goNanoseconds nanoseconds: Int64) {
        self = .nanoseconds(nanoseconds)
    }
}
