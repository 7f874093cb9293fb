import Foundation

/// `DATETIME` text as SQLite's date functions write it: `YYYY-MM-DD HH:MM:SS`, wall time in a
/// configured zone, whole seconds.
///
/// The conversion is arithmetic on the proleptic Gregorian calendar (no formatter objects), so
/// it is cheap enough for every bound value and every read column.
enum SQLiteDateText {
    /// `date` as `YYYY-MM-DD HH:MM:SS` in `timeZone`, truncated to the second.
    static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let utcSeconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let local = utcSeconds + Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
        let days = floorDiv(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4)
        text += "-" + pad(month, 2) + "-" + pad(day, 2)
        text += " " + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        return text
    }

    /// Reads `YYYY-MM-DD`, optionally followed by ` HH:MM[:SS[.fraction]]` (or `T` instead of the
    /// space) and an optional `Z` or `±HH:MM` zone; without a zone the wall time is in `timeZone`.
    /// Returns `nil` for anything else.
    static func parse(_ text: String, in timeZone: TimeZone) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var value: Int64 = 0
            for k in i..<(i + count) {
                let c = b[k]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int64(c - 48)
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
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour: Int64 = 0
        var minute: Int64 = 0
        var second: Int64 = 0
        var fraction = 0.0
        var offset: Int64?
        if i < b.count, b[i] == 32 || b[i] == 84 {  // ' ' or 'T'
            i += 1
            guard let h = digits(2), expect(58), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if expect(58) {
                guard let s = digits(2), s < 61 else { return nil }
                second = s
                if expect(46) {
                    let start = i
                    var scale = 0.1
                    while i < b.count, b[i] >= 48 && b[i] <= 57 {
                        fraction += Double(b[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                    guard i > start else { return nil }
                }
            }
            if expect(90) {  // 'Z'
                offset = 0
            } else if i < b.count, b[i] == 43 || b[i] == 45 {  // '+' or '-'
                let sign: Int64 = b[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2), expect(58), let om = digits(2) else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        let local = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        let utc: Int64
        if let offset {
            utc = local - offset
        } else {
            // Two passes: the offset at the guessed instant, then at the corrected one (DST edges).
            let first = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local))))
            let second = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - first))))
            utc = local - second
        }
        return Date(timeIntervalSince1970: Double(utc) + fraction)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 of a Gregorian date.
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The Gregorian date of a count of days since 1970-01-01.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
