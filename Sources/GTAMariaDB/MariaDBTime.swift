import CMariaDB
import Foundation

/// Converts between `Date` and `MYSQL_TIME` wall-clock values in a configured time zone.
///
/// Civil-date arithmetic (no `Calendar`) keeps the hot path cheap; the zone's offset comes from
/// `TimeZone.secondsFromGMT(for:)`, cached for a zone with a fixed offset.
struct MariaDBTime: Sendable {
    let timeZone: TimeZone
    private let fixedOffset: Int?

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        // A zone without daylight saving time and a single offset a year apart is fixed.
        let a = Date(timeIntervalSince1970: 0), b = Date(timeIntervalSince1970: 1_700_000_000)
        let offsetA = timeZone.secondsFromGMT(for: a), offsetB = timeZone.secondsFromGMT(for: b)
        let fixed = offsetA == offsetB && timeZone.nextDaylightSavingTimeTransition(after: b) == nil
        fixedOffset = fixed ? offsetB : nil
    }

    private func offset(at date: Date) -> Int { fixedOffset ?? timeZone.secondsFromGMT(for: date) }

    /// Writes `date` as a `DATETIME` wall-clock value in the zone, with microseconds.
    func fill(_ time: UnsafeMutablePointer<MYSQL_TIME>, from date: Date) {
        let interval = date.timeIntervalSince1970
        var whole = Int64(interval.rounded(.down))
        var micros = Int64(((interval - Double(whole)) * 1_000_000).rounded())
        if micros >= 1_000_000 { whole += 1; micros -= 1_000_000 }
        let local = whole + Int64(offset(at: date))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondsOfDay = local - days * 86_400
        let (y, m, d) = Self.civil(fromDays: days)
        time.pointee = MYSQL_TIME()
        time.pointee.year = UInt32(clamping: y)
        time.pointee.month = UInt32(m)
        time.pointee.day = UInt32(d)
        time.pointee.hour = UInt32(secondsOfDay / 3600)
        time.pointee.minute = UInt32(secondsOfDay % 3600 / 60)
        time.pointee.second = UInt32(secondsOfDay % 60)
        time.pointee.second_part = UInt(micros)
        time.pointee.time_type = MYSQL_TIMESTAMP_DATETIME
    }

    /// Reads a `DATETIME`, `TIMESTAMP` or `DATE` wall-clock value in the zone. In the hour a
    /// daylight-saving change repeats, the earlier offset's reading wins.
    func date(from time: MYSQL_TIME) -> Date {
        date(year: Int(time.year), month: Int(time.month), day: Int(time.day), hour: Int(time.hour),
             minute: Int(time.minute), second: Int(time.second), micros: Int(time.second_part))
    }

    func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int) -> Date {
        let days = Self.days(fromCivil: Int64(year), Int64(max(month, 1)), Int64(max(day, 1)))
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let fraction = Double(micros) / 1_000_000
        if let fixedOffset {
            return Date(timeIntervalSince1970: Double(local - Int64(fixedOffset)) + fraction)
        }
        let guess = Date(timeIntervalSince1970: Double(local))
        let first = Int64(timeZone.secondsFromGMT(for: guess))
        let second = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - first))))
        return Date(timeIntervalSince1970: Double(local - second) + fraction)
    }

    /// Parses the text protocol's `YYYY-MM-DD[ HH:MM:SS[.ffffff]]`.
    func date(text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" || $0 == "." || $0 == "T" })
        guard parts.count >= 3 else { return nil }
        var n = [Int](repeating: 0, count: 7)
        for (i, p) in parts.prefix(7).enumerated() {
            guard let v = Int(p) else { return nil }
            if i == 6 {
                // Scale the fraction to microseconds.
                var digits = p.count, micros = v
                while digits < 6 { micros *= 10; digits += 1 }
                while digits > 6 { micros /= 10; digits -= 1 }
                n[i] = micros
            } else {
                n[i] = v
            }
        }
        return date(year: n[0], month: n[1], day: n[2], hour: n[3], minute: n[4], second: n[5], micros: n[6])
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
