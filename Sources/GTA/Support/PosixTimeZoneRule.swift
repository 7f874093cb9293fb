/// A POSIX `TZ` rule, as a TZif file's footer carries it: `std offset [dst [offset] [,start[/time],end[/time]]]`,
/// for example `CET-1CEST,M3.5.0,M10.5.0/3` or `<+0330>-3:30`. Offsets in the text are west of
/// UTC (POSIX's sign); the values here are east of UTC, as everywhere else in the package.
package struct PosixTimeZoneRule: Sendable {
    /// A day of the year a change happens on.
    enum Day: Sendable {
        /// `Jn`: day 1...365, February 29 never counted.
        case julian(Int)
        /// `n`: day 0...365, February 29 counted in leap years.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday `d` (0 Sunday) of week `w` (1...5, 5 the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// Seconds east of UTC outside daylight saving time.
    package let standardOffset: Int
    /// Seconds east of UTC during daylight saving time, when the zone has it.
    let daylightOffset: Int?
    /// When daylight saving time starts and ends: the day and the local time of day (seconds,
    /// which may be negative or past a day), read in the offset in effect before the change.
    let start: (day: Day, time: Int)?
    let end: (day: Day, time: Int)?

    package var hasDaylightSavingTime: Bool { daylightOffset != nil && start != nil }

    /// Parses the rule; `nil` when the text is not one.
    package init?(_ text: String) {
        var scanner = RuleScanner(bytes: Array(text.utf8))
        guard scanner.name(), let std = scanner.offset() else { return nil }
        standardOffset = -std
        guard !scanner.atEnd else {
            daylightOffset = nil
            start = nil
            end = nil
            return
        }
        guard scanner.name() else { return nil }
        if !scanner.atEnd, scanner.peek != 44, let dst = scanner.offset() {  // not ','
            daylightOffset = -dst
        } else {
            daylightOffset = standardOffset + 3600
        }
        // POSIX leaves the default rule to the implementation; the US rule is the usual one.
        guard scanner.consume(44) else {
            guard scanner.atEnd else { return nil }
            start = (.monthWeekDay(month: 3, week: 2, weekday: 0), 7200)
            end = (.monthWeekDay(month: 11, week: 1, weekday: 0), 7200)
            return
        }
        guard let s = scanner.change(), scanner.consume(44), let e = scanner.change(), scanner.atEnd else { return nil }
        start = s
        end = e
    }

    /// Seconds east of UTC at the instant `seconds`.
    package func offset(atSecondsSinceEpoch seconds: Int64) -> Int {
        guard let daylightOffset, let start, let end else { return standardOffset }
        let year = CivilTime(secondsSinceEpoch: seconds, utcOffset: standardOffset).year
        // Both changes of that year as instants: the start is read in standard time, the end in
        // daylight time.
        let startsAt = Self.days(of: start.day, in: year) * 86_400 + Int64(start.time) - Int64(standardOffset)
        let endsAt = Self.days(of: end.day, in: year) * 86_400 + Int64(end.time) - Int64(daylightOffset)
        let inDaylight = startsAt < endsAt
            ? seconds >= startsAt && seconds < endsAt
            : seconds < endsAt || seconds >= startsAt  // southern hemisphere: DST spans the new year
        return inDaylight ? daylightOffset : standardOffset
    }

    /// Days since 1970-01-01 of `day` in `year`.
    static func days(of day: Day, in year: Int64) -> Int64 {
        let january1 = CivilTime.days(year: year, month: 1, day: 1)
        switch day {
        case .julian(let n):
            return january1 + Int64(n - 1) + (CivilTime.isLeapYear(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            return january1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilTime.days(year: year, month: month, day: 1)
            let firstWeekday = Int(CivilTime.floorDivide(first + 4, 7).remainder)  // 1970-01-01 was a Thursday
            var day = 1 + (weekday - firstWeekday + 7) % 7 + 7 * (week - 1)
            let length = CivilTime.daysIn(month: month, year: year)
            while day > length { day -= 7 }
            return first + Int64(day - 1)
        }
    }
}

/// Reads the parts of a POSIX `TZ` rule.
private struct RuleScanner {
    let bytes: [UInt8]
    var i = 0

    var atEnd: Bool { i >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[i] }

    mutating func consume(_ c: UInt8) -> Bool {
        guard peek == c else { return false }
        i += 1
        return true
    }

    /// A zone abbreviation: three or more letters, or anything between `<` and `>`.
    mutating func name() -> Bool {
        if consume(60) {  // '<'
            guard let close = bytes[i...].firstIndex(of: 62) else { return false }
            i = close + 1
            return true
        }
        let begin = i
        while let c = peek, (c >= 65 && c <= 90) || (c >= 97 && c <= 122) { i += 1 }
        return i - begin >= 3
    }

    mutating func number() -> Int? {
        let begin = i
        var value = 0
        while let c = peek, c >= 48 && c <= 57 {
            value = value * 10 + Int(c - 48)
            i += 1
        }
        return i > begin ? value : nil
    }

    /// `[+-]hh[:mm[:ss]]` in seconds, with its sign (west of UTC for a zone offset).
    mutating func offset() -> Int? {
        var sign = 1
        if consume(45) { sign = -1 } else { _ = consume(43) }  // '-', '+'
        guard let h = number(), h <= 167 else { return nil }
        var total = h * 3600
        if consume(58) {
            guard let m = number(), m < 60 else { return nil }
            total += m * 60
            if consume(58) {
                guard let s = number(), s < 60 else { return nil }
                total += s
            }
        }
        return sign * total
    }

    /// `date[/time]`; the time defaults to 02:00:00.
    mutating func change() -> (day: PosixTimeZoneRule.Day, time: Int)? {
        let day: PosixTimeZoneRule.Day
        if consume(74) {  // 'J'
            guard let n = number(), (1...365).contains(n) else { return nil }
            day = .julian(n)
        } else if consume(77) {  // 'M'
            guard let m = number(), (1...12).contains(m), consume(46), let w = number(), (1...5).contains(w),
                consume(46), let d = number(), (0...6).contains(d)
            else { return nil }
            day = .monthWeekDay(month: m, week: w, weekday: d)
        } else {
            guard let n = number(), (0...365).contains(n) else { return nil }
            day = .zeroBased(n)
        }
        guard consume(47) else { return (day, 7200) }  // '/'
        guard let time = offset() else { return nil }
        return (day, time)
    }
}
