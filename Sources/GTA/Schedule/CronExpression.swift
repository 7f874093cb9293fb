/// A parsed cron expression: the set of seconds, minutes, hours, days of the month, months and
/// days of the week it matches, and whether its day-of-month and day-of-week fields were
/// restricted (for Vixie cron's rule that two restricted day fields match either).
///
/// The grammar, field by field (`second` only in the six-field form, where it comes first):
///
/// | field | values | names |
/// |---|---|---|
/// | second | 0-59 | |
/// | minute | 0-59 | |
/// | hour | 0-23 | |
/// | day of month | 1-31 | |
/// | month | 1-12 | `JAN`-`DEC` |
/// | day of week | 0-7 (0 and 7 are Sunday) | `SUN`-`SAT` |
///
/// A field is a comma-separated list of items; an item is `*`, a value, a range `a-b`, or
/// either of those followed by a step `/n` (`*/5`, `1-10/2`, `5/15` = `5-59/15`). `?` is `*` in
/// the two day fields. Names are case-insensitive. The macros `@yearly` (`@annually`),
/// `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly` stand for their five-field forms.
struct CronExpression: Sendable, Hashable {
    /// Bit `n` set when value `n` matches.
    var seconds: UInt64
    var minutes: UInt64
    var hours: UInt64
    var daysOfMonth: UInt64
    var months: UInt64
    /// Bits 0 (Sunday) to 6 (Saturday); a 7 in the text sets bit 0.
    var daysOfWeek: UInt64
    /// Whether the day-of-month field did not start with `*` or `?`.
    var daysOfMonthRestricted: Bool
    /// Whether the day-of-week field did not start with `*` or `?`.
    var daysOfWeekRestricted: Bool

    /// One field of the grammar: its name for messages, its range and its names.
    struct Field: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        /// Whether `?` may stand for `*`.
        let allowsQuestionMark: Bool

        static let second = Field(name: "second", range: 0...59, names: [], allowsQuestionMark: false)
        static let minute = Field(name: "minute", range: 0...59, names: [], allowsQuestionMark: false)
        static let hour = Field(name: "hour", range: 0...23, names: [], allowsQuestionMark: false)
        static let dayOfMonth = Field(name: "day-of-month", range: 1...31, names: [], allowsQuestionMark: true)
        static let month = Field(
            name: "month", range: 1...12,
            names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], allowsQuestionMark: false)
        static let dayOfWeek = Field(
            name: "day-of-week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], allowsQuestionMark: true)

        /// The value of a name (`JAN` is 1, `SUN` is 0), if it is one of this field's.
        func value(ofName text: String) -> Int? {
            guard let index = names.firstIndex(of: text.uppercased()) else { return nil }
            return range.lowerBound == 1 ? index + 1 : index
        }
    }

    /// The five-field forms of the macros.
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    /// Parses `text`: five fields (`minute hour day-of-month month day-of-week`, at second 0),
    /// six (with `second` first), or a macro.
    /// - Throws: ``GTAError/optionInvalid`` whose message names the field and the text that is wrong.
    init(parsing text: String) throws {
        let trimmed = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        var source = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                throw Self.error(text, "unknown macro '\(trimmed)'; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")
            }
            source = expanded
        }
        var parts = source.split(separator: " ").map(String.init)
        guard parts.count == 5 || parts.count == 6 else {
            throw Self.error(
                text, "has \(parts.count) field\(parts.count == 1 ? "" : "s"); expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)")
        }
        if parts.count == 5 { parts.insert("0", at: 0) }
        seconds = try Self.parse(parts[0], .second, in: text)
        minutes = try Self.parse(parts[1], .minute, in: text)
        hours = try Self.parse(parts[2], .hour, in: text)
        daysOfMonth = try Self.parse(parts[3], .dayOfMonth, in: text)
        months = try Self.parse(parts[4], .month, in: text)
        var week = try Self.parse(parts[5], .dayOfWeek, in: text)
        if week & (1 << 7) != 0 { week = (week & ~(1 << 7)) | 1 }
        daysOfWeek = week
        daysOfMonthRestricted = !(parts[3].hasPrefix("*") || parts[3].hasPrefix("?"))
        daysOfWeekRestricted = !(parts[5].hasPrefix("*") || parts[5].hasPrefix("?"))
        if daysOfMonthRestricted, !daysOfWeekRestricted, !canEverMatchDayOfMonth {
            throw Self.error(text, "day-of-month field '\(parts[3])' never falls in month field '\(parts[4])'")
        }
    }

    /// Whether some day of the month set exists in some month of the set (February 29 counts).
    private var canEverMatchDayOfMonth: Bool {
        (1...12).contains { month in
            months & (1 << month) != 0 && (1...CivilTime.daysIn(month: month, year: 2000)).contains { daysOfMonth & (1 << $0) != 0 }
        }
    }

    /// One field's text as a bit set.
    static func parse(_ text: String, _ field: Field, in expression: String) throws -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            bits |= try parseItem(item, field, fieldText: text, in: expression)
        }
        return bits
    }

    private static func parseItem(_ item: String, _ field: Field, fieldText: String, in expression: String) throws -> UInt64 {
        func fail(_ why: String) -> GTAError {
            error(expression, "\(field.name) field '\(fieldText)': \(why)")
        }
        guard !item.isEmpty else { throw fail("empty list item") }
        let stepParts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard stepParts.count <= 2 else { throw fail("'\(item)' has more than one '/'") }
        var step = 1
        if stepParts.count == 2 {
            guard let n = Int(stepParts[1]), n > 0 else { throw fail("step '\(stepParts[1])' is not a whole number > 0") }
            guard n <= field.range.upperBound - field.range.lowerBound + 1 else {
                throw fail("step \(n) is larger than the field's range \(field.range.lowerBound)-\(field.range.upperBound)")
            }
            step = n
        }
        let base = stepParts[0]
        let low: Int, high: Int
        if base == "*" || (base == "?" && field.allowsQuestionMark) {
            (low, high) = (field.range.lowerBound, field.range == 0...7 ? 6 : field.range.upperBound)
        } else {
            let bounds = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard bounds.count <= 2 else { throw fail("'\(base)' is not a value or a range a-b") }
            let first = try value(bounds[0], field, fail)
            if bounds.count == 2 {
                let last = try value(bounds[1], field, fail)
                guard first <= last else { throw fail("range '\(base)' starts after it ends") }
                (low, high) = (first, last)
            } else {
                // `a/n` runs from a to the field's end; a plain value is itself.
                (low, high) = (first, stepParts.count == 2 ? field.range.upperBound : first)
            }
        }
        var bits: UInt64 = 0
        for value in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(value) }
        return bits
    }

    private static func value(_ text: String, _ field: Field, _ fail: (String) -> GTAError) throws -> Int {
        if let name = field.value(ofName: text) { return name }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(text) else {
            if text.isEmpty { throw fail("a value is missing") }
            let names = field.names.isEmpty ? "" : " or a name (\(field.names.first!)-\(field.names.last!))"
            throw fail("'\(text)' is not a number\(names)")
        }
        guard field.range.contains(number) else {
            throw fail("\(number) is out of range \(field.range.lowerBound)-\(field.range.upperBound)")
        }
        return number
    }

    static func error(_ expression: String, _ why: String) -> GTAError {
        GTAError(.optionInvalid, "cron expression '\(expression)': \(why)")
    }
}
