extension CronExpression {
    /// How many years past the start the search for a match goes: February 29 recurs within 8
    /// years; any other satisfiable expression within one.
    static let searchYears: Int64 = 30

    /// The first matching wall time strictly after `local`, as seconds since 1970-01-01T00:00:00
    /// read in the expression's own zone (a fixed offset, so wall seconds and instants differ by
    /// a constant); `nil` when nothing matches within ``searchYears``.
    func next(afterLocal local: Int64) -> Int64? {
        var c = CivilTime(secondsSinceEpoch: local + 1)
        let lastYear = c.year + Self.searchYears
        while c.year <= lastYear {
            guard Self.has(months, c.month) else {
                Self.startOfNextMonth(&c)
                continue
            }
            guard matchesDay(c) else {
                Self.startOfNextDay(&c)
                continue
            }
            guard Self.has(hours, c.hour) else {
                if let hour = Self.firstBit(hours, from: c.hour + 1, through: 23) {
                    (c.hour, c.minute, c.second) = (hour, 0, 0)
                } else {
                    Self.startOfNextDay(&c)
                }
                continue
            }
            guard Self.has(minutes, c.minute) else {
                if let minute = Self.firstBit(minutes, from: c.minute + 1, through: 59) {
                    (c.minute, c.second) = (minute, 0)
                } else {
                    Self.startOfNextHour(&c)
                }
                continue
            }
            guard Self.has(seconds, c.second) else {
                if let second = Self.firstBit(seconds, from: c.second + 1, through: 59) {
                    c.second = second
                } else {
                    Self.startOfNextMinute(&c)
                }
                continue
            }
            return c.localSeconds
        }
        return nil
    }

    /// The latest matching wall time at or before `local` (same reading as ``next(afterLocal:)``),
    /// or `nil` when nothing matched within ``searchYears`` before it.
    ///
    /// Looks back through growing windows (a minute, an hour, a day, a month, a year, the search
    /// horizon) for the first that holds a match, then walks forward to the last match in it, so
    /// the walk stays short whatever the expression.
    func latest(atOrBeforeLocal local: Int64) -> Int64? {
        let windows: [Int64] = [60, 3600, 86_400, 32 * 86_400, 367 * 86_400, Self.searchYears * 366 * 86_400]
        for window in windows {
            guard var found = next(afterLocal: local - window), found <= local else { continue }
            while let later = next(afterLocal: found), later <= local { found = later }
            return found
        }
        return nil
    }

    /// Whether the date's day matches: both day fields when one of them is unrestricted (it then
    /// matches every day, or its steps), either of them when both are restricted (Vixie cron).
    func matchesDay(_ c: CivilTime) -> Bool {
        let dayOfMonth = Self.has(daysOfMonth, c.day)
        let weekday = Int(CivilTime.floorDivide(CivilTime.days(year: c.year, month: c.month, day: c.day) + 4, 7).remainder)
        let dayOfWeek = Self.has(daysOfWeek, weekday)
        if daysOfMonthRestricted && daysOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }

    static func has(_ bits: UInt64, _ value: Int) -> Bool {
        bits & (1 << UInt64(value)) != 0
    }

    /// The lowest set bit in `from...through`, if any.
    static func firstBit(_ bits: UInt64, from: Int, through: Int) -> Int? {
        guard from <= through else { return nil }
        let masked = bits >> UInt64(from)
        guard masked != 0 else { return nil }
        let value = from + masked.trailingZeroBitCount
        return value <= through ? value : nil
    }

    static func startOfNextMinute(_ c: inout CivilTime) {
        c.second = 0
        c.minute += 1
        if c.minute == 60 { startOfNextHour(&c) }
    }

    static func startOfNextHour(_ c: inout CivilTime) {
        (c.minute, c.second) = (0, 0)
        c.hour += 1
        if c.hour == 24 { startOfNextDay(&c) }
    }

    static func startOfNextDay(_ c: inout CivilTime) {
        let date = CivilTime.date(fromDays: CivilTime.days(year: c.year, month: c.month, day: c.day) + 1)
        c = CivilTime(year: date.year, month: date.month, day: date.day)
    }

    static func startOfNextMonth(_ c: inout CivilTime) {
        c = c.month == 12 ? CivilTime(year: c.year + 1, month: 1, day: 1) : CivilTime(year: c.year, month: c.month + 1, day: 1)
    }
}
