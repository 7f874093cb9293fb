#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When a periodic task is due: a cron expression (seconds optional) or a fixed interval.
/// Swift only (the Go original has no periodic tasks).
///
/// ```swift
/// try manager.register("report", TaskDefinition { _, _ in try await sendReport() }
///     .schedule(.cron("0 30 6 * * MON-FRI")))                 // 06:30:00 UTC on weekdays
/// try manager.register("sync", TaskDefinition(argumentType: Sync.self) { _, sync in try await run(sync) }
///     .schedule(.every(.seconds(30)), argument: Sync(full: false)))
/// ```
///
/// Due times are whole seconds. A cron expression is read in UTC, or at a fixed offset from it
/// (`utcOffset`; no daylight-saving rules). An interval's due times are the multiples of the
/// interval since 1970-01-01T00:00:00Z, so every instance computes the same ones.
///
/// See ``TaskDefinition/schedule(_:argument:)`` for how due times become tasks, and
/// `Docs/periodic.md` for the grammar, the catch-up policy and the table it needs.
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    enum Rule: Sendable, Hashable {
        case cron(CronExpression, text: String, utcOffset: Int)
        case interval(seconds: Int64)
        /// A text that did not parse: registering it throws this message.
        case invalid(String)
    }

    let rule: Rule

    /// The longest schedule text the schedules table's `schedule` column holds.
    public static let maximumTextLength = 255

    /// The largest fixed offset accepted, 18 hours (as ISO 8601 allows).
    public static let maximumUTCOffset: Duration = .seconds(18 * 3600)

    /// A cron schedule, parsed at once; an invalid text is reported when the definition is
    /// registered (``GTAError/optionInvalid``), or at once by ``init(cron:utcOffset:)``.
    ///
    /// - Parameters:
    ///   - expression: five fields (`minute hour day-of-month month day-of-week`, at second 0),
    ///     six fields (`second` first), or a macro (`@hourly`, `@daily`, `@weekly`, `@monthly`,
    ///     `@yearly`). Each field takes `*`, values, lists `1,15`, ranges `1-5`, steps `*/5` and
    ///     `10-30/10`; months and weekdays take names (`JAN`, `MON`). When both day fields are
    ///     restricted (neither starts with `*`), a day matches if either does (Vixie cron).
    ///   - utcOffset: the fixed offset east of UTC at which the expression is read, in whole
    ///     seconds, at most ``maximumUTCOffset`` either way. The default is zero (UTC).
    public static func cron(_ expression: String, utcOffset: Duration = .zero) -> Schedule {
        do {
            return try Schedule(cron: expression, utcOffset: utcOffset)
        } catch let error as GTAError {
            return Schedule(rule: .invalid(error.message))
        } catch {
            return Schedule(rule: .invalid("cron expression '\(expression)': \(error)"))
        }
    }

    /// A cron schedule, validated now (see ``cron(_:utcOffset:)`` for the grammar).
    /// - Throws: ``GTAError/optionInvalid`` whose message names the field and the text that is
    ///   wrong, such as `cron expression '0 61 * * *': minute field '61': 61 is out of range 0-59`.
    public init(cron expression: String, utcOffset: Duration = .zero) throws {
        let offset = try Self.wholeSeconds(utcOffset, "utc offset")
        guard abs(offset) <= Self.maximumUTCOffset.components.seconds else {
            throw GTAError(.optionInvalid, "cron expression '\(expression)': utc offset \(offset)s is beyond ±18 hours")
        }
        let parsed = try CronExpression(parsing: expression)
        let text = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        guard text.unicodeScalars.count <= Self.maximumTextLength - 16 else {
            throw GTAError(.optionInvalid, "cron expression '\(text.prefix(80))...': longer than \(Self.maximumTextLength - 16) characters")
        }
        rule = .cron(parsed, text: text, utcOffset: Int(offset))
    }

    /// A fixed-interval schedule: due at every multiple of `interval` since
    /// 1970-01-01T00:00:00Z (`.every(.seconds(30))` is due at :00 and :30 of each minute). An
    /// invalid interval is reported when the definition is registered.
    /// - Parameter interval: whole seconds, at least 1 second.
    public static func every(_ interval: Duration) -> Schedule {
        do {
            return try Schedule(every: interval)
        } catch let error as GTAError {
            return Schedule(rule: .invalid(error.message))
        } catch {
            return Schedule(rule: .invalid("interval: \(error)"))
        }
    }

    /// A fixed-interval schedule, validated now (see ``every(_:)``).
    /// - Throws: ``GTAError/optionInvalid`` for an interval below 1 second or with a fraction of a second.
    public init(every interval: Duration) throws {
        let seconds = try Self.wholeSeconds(interval, "interval")
        guard seconds >= 1 else {
            throw GTAError(.optionInvalid, "interval: must be at least 1 second, got \(interval.readable)")
        }
        rule = .interval(seconds: seconds)
    }

    init(rule: Rule) { self.rule = rule }

    /// The schedule as the schedules table stores it, and as `gta stats` lists it: the cron
    /// text (blanks collapsed, with ` UTC+HH:MM` when an offset is set) or `every 30s`, `every
    /// 5m`, `every 2h`, `every 1d`. A definition whose schedule's text differs from the stored
    /// one has changed its schedule (see `Docs/periodic.md`).
    public var description: String {
        switch rule {
        case .cron(_, let text, let offset):
            guard offset != 0 else { return text }
            let sign = offset < 0 ? "-" : "+", magnitude = abs(offset)
            var suffix = " UTC" + sign + CivilTime.pad(Int64(magnitude / 3600), 2) + ":" + CivilTime.pad(Int64(magnitude % 3600 / 60), 2)
            if magnitude % 60 != 0 { suffix += ":" + CivilTime.pad(Int64(magnitude % 60), 2) }
            return text + suffix
        case .interval(let seconds):
            for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 {
                return "every \(seconds / size)\(unit)"
            }
            return "every \(seconds)s"
        case .invalid(let message):
            return "invalid: \(message)"
        }
    }

    /// Throws the error an invalid text or interval was given: ``GTAError/optionInvalid``
    /// naming what is wrong.
    public func validate() throws {
        if case .invalid(let message) = rule { throw GTAError(.optionInvalid, message) }
    }

    /// The first due time strictly after `date`, or `nil` for an invalid schedule or a cron
    /// expression that matches nothing in the next 30 years.
    public func nextDue(after date: Date) -> Date? {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        switch rule {
        case .cron(let cron, _, let offset):
            return cron.next(afterLocal: t + Int64(offset)).map { Date(timeIntervalSince1970: Double($0 - Int64(offset))) }
        case .interval(let n):
            return Date(timeIntervalSince1970: Double((CivilTime.floorDivide(t, n).quotient + 1) * n))
        case .invalid:
            return nil
        }
    }

    /// The latest due time at or before `date`, or `nil` for an invalid schedule or a cron
    /// expression that matched nothing in the 30 years before.
    public func latestDue(atOrBefore date: Date) -> Date? {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        switch rule {
        case .cron(let cron, _, let offset):
            return cron.latest(atOrBeforeLocal: t + Int64(offset)).map { Date(timeIntervalSince1970: Double($0 - Int64(offset))) }
        case .interval(let n):
            return Date(timeIntervalSince1970: Double(CivilTime.floorDivide(t, n).quotient * n))
        case .invalid:
            return nil
        }
    }

    /// The shortest gap between due times, roughly: the interval, or one second for a cron
    /// expression (used to bound the scheduler's jitter).
    var shortestGap: Duration {
        if case .interval(let n) = rule { return .seconds(n) }
        return .seconds(1)
    }

    private static func wholeSeconds(_ duration: Duration, _ what: String) throws -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard attoseconds == 0 else {
            throw GTAError(.optionInvalid, "\(what): must be whole seconds, got \(duration.readable)")
        }
        return seconds
    }
}
