#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A wall-clock time on the proleptic Gregorian calendar (the calendar Go, MariaDB and SQLite
/// use): year, month, day, hour, minute, second and nanosecond, with no zone of its own.
///
/// The one conversion between wall time and instants in the package: ``GoTime``'s RFC 3339
/// text, ``GTAValue`` dates read from text, and both backends' `DATETIME` values go through it.
/// It is arithmetic (Howard Hinnant's `days_from_civil` and `civil_from_days`), with no
/// `Calendar` or formatter object, so it is cheap enough for every bound value and every column.
package struct CivilTime: Sendable, Hashable {
    package var year: Int64
    /// 1...12.
    package var month: Int
    /// 1...31.
    package var day: Int
    package var hour: Int
    package var minute: Int
    package var second: Int
    /// 0..<1_000_000_000.
    package var nanosecond: Int

    package init(year: Int64, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// The wall time `utcOffset` seconds east of UTC at the instant `secondsSinceEpoch`
    /// (seconds since 1970-01-01T00:00:00Z, negative before) plus `nanosecond`.
    package init(secondsSinceEpoch: Int64, nanosecond: Int = 0, utcOffset: Int = 0) {
        let (days, secondOfDay) = Self.floorDivide(secondsSinceEpoch + Int64(utcOffset), 86_400)
        let date = Self.date(fromDays: days)
        self.init(
            year: date.year, month: date.month, day: date.day,
            hour: Int(secondOfDay / 3600), minute: Int(secondOfDay % 3600 / 60), second: Int(secondOfDay % 60),
            nanosecond: nanosecond
        )
    }

    /// Seconds from 1970-01-01T00:00:00 to this wall time, both read in the same zone. An hour,
    /// minute or second past its range carries into the next (a leap second `:60` is the next
    /// minute's `:00`).
    package var localSeconds: Int64 {
        Self.days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The instant of this wall time read `utcOffset` seconds east of UTC, in whole seconds.
    package func secondsSinceEpoch(utcOffset: Int) -> Int64 {
        localSeconds - Int64(utcOffset)
    }

    /// Whether month and day name a day of the calendar (February 29 only in a leap year).
    package var hasValidDate: Bool {
        (1...12).contains(month) && day >= 1 && day <= Self.daysIn(month: month, year: year)
    }

    /// Days since 1970-01-01 of a date (`days_from_civil`); `month` must be 1...12.
    package static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400).quotient
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01 (`civil_from_days`).
    package static func date(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097).quotient
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    package static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// 28 to 31.
    package static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The quotient rounded towards minus infinity, and the remainder in `0..<divisor`.
    package static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }

    /// `value` in decimal, zero-padded on the left to `width` digits.
    package static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The instant `nanosecond` past `secondsSinceEpoch` as a `Date` (to its `Double` precision).
    package static func date(secondsSinceEpoch: Int64, nanosecond: Int) -> Date {
        Date(timeIntervalSince1970: Double(secondsSinceEpoch) + Double(nanosecond) / 1e9)
    }

    /// Whole seconds since the epoch and the microseconds past them (as nanoseconds) of `date`:
    /// a `Date` is a `Double` and cannot hold nanoseconds exactly, so the fraction is rounded to
    /// the nearest microsecond, carrying into the seconds.
    package static func epochParts(of date: Date) -> (seconds: Int64, nanosecond: Int) {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var micros = Int(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        return (seconds, micros * 1000)
    }
}

/// A time zone's offsets from UTC for ``CivilTime`` conversions; the offset is looked up once
/// for a zone that has only one.
///
/// A named zone (`Europe/Paris`) is read from the system's time zone database (``ZoneInfo``),
/// never through Foundation's ICU path, so conversions are the same whether or not the process
/// loads ICU. A zone the database does not have (a fixed offset such as `GMT+0100`) answers
/// from the `TimeZone` itself, which needs no ICU for a fixed offset.
package struct CivilTimeZone: Sendable {
    package let timeZone: TimeZone
    /// The zone's name: the database's name for a named zone, else the `TimeZone`'s.
    package let identifier: String
    /// The zone's rules from the system's database, when it has them.
    package let zoneInfo: ZoneInfo?
    /// The zone's only offset, or `nil` when it has several (daylight saving time).
    package let fixedOffset: Int?

    package init(_ timeZone: TimeZone) {
        self.init(timeZone, zoneInfo: ZoneInfo(identifier: timeZone.identifier))
    }

    /// The named zone of the system's database (for example `Europe/Paris`), or `nil` when it
    /// has no such zone. Works without ICU, where `TimeZone(identifier:)` gives `nil`.
    package init?(named identifier: String) {
        guard let info = ZoneInfo(identifier: identifier) else { return nil }
        let now = CivilTime.epochParts(of: Date()).seconds
        let zone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: info.offset(atSecondsSinceEpoch: now))
        guard let zone else { return nil }
        self.init(zone, zoneInfo: info)
    }

    private init(_ timeZone: TimeZone, zoneInfo: ZoneInfo?) {
        self.timeZone = timeZone
        self.zoneInfo = zoneInfo
        self.identifier = zoneInfo?.identifier ?? timeZone.identifier
        if let zoneInfo {
            fixedOffset = zoneInfo.fixedOffset
        } else {
            // A zone with one offset in 1970 and in 2023, and no daylight-saving change ahead, is fixed.
            let a = Date(timeIntervalSince1970: 0), b = Date(timeIntervalSince1970: 1_700_000_000)
            let offsetA = timeZone.secondsFromGMT(for: a), offsetB = timeZone.secondsFromGMT(for: b)
            let fixed = offsetA == offsetB && timeZone.nextDaylightSavingTimeTransition(after: b) == nil
            fixedOffset = fixed ? offsetB : nil
        }
    }

    /// UTC.
    package static let utc = CivilTimeZone(TimeZone(secondsFromGMT: 0)!)

    /// Whether every wall time in this zone is UTC.
    package var isUTC: Bool { fixedOffset == 0 }

    /// Seconds east of UTC at the instant `secondsSinceEpoch`.
    package func offset(atSecondsSinceEpoch seconds: Int64) -> Int {
        if let fixedOffset { return fixedOffset }
        if let zoneInfo { return zoneInfo.offset(atSecondsSinceEpoch: seconds) }
        return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
    }

    /// The wall time in this zone at an instant.
    package func civilTime(secondsSinceEpoch seconds: Int64, nanosecond: Int = 0) -> CivilTime {
        CivilTime(secondsSinceEpoch: seconds, nanosecond: nanosecond, utcOffset: offset(atSecondsSinceEpoch: seconds))
    }

    /// The wall time in this zone of `date`, to the microsecond (see ``CivilTime/epochParts(of:)``).
    package func civilTime(of date: Date) -> CivilTime {
        let (seconds, nanosecond) = CivilTime.epochParts(of: date)
        return civilTime(secondsSinceEpoch: seconds, nanosecond: nanosecond)
    }

    /// The instant, in whole seconds, of a wall time in this zone. A wall time that a
    /// daylight-saving change repeats reads at the offset after the change (the later of the
    /// two instants); one that a change skips reads at the offset before it.
    package func secondsSinceEpoch(of time: CivilTime) -> Int64 {
        let local = time.localSeconds
        if let fixedOffset { return local - Int64(fixedOffset) }
        // Two passes: the offset at the guessed instant, then at the corrected one.
        let first = offset(atSecondsSinceEpoch: local)
        return local - Int64(offset(atSecondsSinceEpoch: local - Int64(first)))
    }

    /// The instant of a wall time in this zone, as a `Date`.
    package func date(of time: CivilTime) -> Date {
        CivilTime.date(secondsSinceEpoch: secondsSinceEpoch(of: time), nanosecond: time.nanosecond)
    }
}

/// SQL date-time text, as MariaDB's text protocol and SQLite's date functions write it.
package struct SQLDateTimeText: Sendable, Hashable {
    /// The wall time written.
    package var time: CivilTime
    /// The offset east of UTC in seconds when the text ends in `Z` or `±HH:MM`, else `nil`.
    package var utcOffset: Int?
    /// Whether the text has a time of day (else it is a date alone).
    package var hasTimeOfDay: Bool
    /// Whether the time of day has seconds (`HH:MM:SS`, not just `HH:MM`).
    package var hasSeconds: Bool

    /// Reads `YYYY-MM-DD`, optionally followed by ` HH:MM[:SS[.fraction]]` (or `T` instead of
    /// the space) and an optional `Z` or `±HH:MM`. Fraction digits past the ninth are dropped.
    ///
    /// Ranges are checked loosely: month 0...12 and day 0...31 (MySQL allows zero parts and
    /// February 30 in some SQL modes; the caller decides), hour 0...23, minute 0...59, second
    /// 0...60 (a leap second). Returns `nil` for anything else.
    package init?(_ text: String) {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var value = 0
            for k in i..<(i + count) {
                guard b[k] >= 48 && b[k] <= 57 else { return nil }
                value = value * 10 + Int(b[k] - 48)
            }
            i += count
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
            month <= 12, day <= 31
        else { return nil }
        var time = CivilTime(year: Int64(year), month: month, day: day)
        var offset: Int?
        var hasSeconds = false
        let hasTimeOfDay = i < b.count && (b[i] == 32 || b[i] == 84)  // ' ' or 'T'
        if hasTimeOfDay {
            i += 1
            guard let h = digits(2), expect(58), let m = digits(2), h < 24, m < 60 else { return nil }
            time.hour = h
            time.minute = m
            if expect(58) {
                guard let s = digits(2), s <= 60 else { return nil }
                time.second = s
                hasSeconds = true
                if expect(46) {
                    let start = i
                    var scale = 100_000_000
                    while i < b.count, b[i] >= 48 && b[i] <= 57 {
                        time.nanosecond += Int(b[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                    guard i > start else { return nil }
                }
            }
            if expect(90) {  // 'Z'
                offset = 0
            } else if i < b.count, b[i] == 43 || b[i] == 45 {  // '+' or '-'
                let sign = b[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        self.time = time
        self.utcOffset = offset
        self.hasTimeOfDay = hasTimeOfDay
        self.hasSeconds = hasSeconds
    }

    /// The instant written: at the text's own offset when it has one, else in `zone`.
    package func date(in zone: CivilTimeZone) -> Date {
        guard let utcOffset else { return zone.date(of: time) }
        return CivilTime.date(secondsSinceEpoch: time.secondsSinceEpoch(utcOffset: utcOffset), nanosecond: time.nanosecond)
    }

    /// `YYYY-MM-DD HH:MM:SS` of `time`, whole seconds (years 0 to 9999 as four digits).
    package static func format(_ time: CivilTime) -> String {
        let pad = CivilTime.pad
        var text = pad(time.year, 4)
        text += "-" + pad(Int64(time.month), 2) + "-" + pad(Int64(time.day), 2)
        text += " " + pad(Int64(time.hour), 2) + ":" + pad(Int64(time.minute), 2) + ":" + pad(Int64(time.second), 2)
        return text
    }
}
