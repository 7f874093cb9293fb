import CMariaDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// Converts between `Date` and `MYSQL_TIME` wall-clock values in a configured time zone, through
/// the package's one civil-time conversion (``CivilTimeZone``).
struct MariaDBTime: Sendable {
    let zone: CivilTimeZone

    init(zone: CivilTimeZone) {
        self.zone = zone
    }

    /// Writes `date` as a `DATETIME` wall-clock value in the zone, with microseconds.
    func fill(_ time: UnsafeMutablePointer<MYSQL_TIME>, from date: Date) {
        let civil = zone.civilTime(of: date)
        time.pointee = MYSQL_TIME()
        time.pointee.year = UInt32(clamping: civil.year)
        time.pointee.month = UInt32(civil.month)
        time.pointee.day = UInt32(civil.day)
        time.pointee.hour = UInt32(civil.hour)
        time.pointee.minute = UInt32(civil.minute)
        time.pointee.second = UInt32(civil.second)
        time.pointee.second_part = UInt(civil.nanosecond / 1000)
        time.pointee.time_type = MYSQL_TIMESTAMP_DATETIME
    }

    /// Reads a `DATETIME`, `TIMESTAMP` or `DATE` wall-clock value in the zone. In the hour a
    /// daylight-saving change repeats, the later reading wins (``CivilTimeZone``).
    func date(from time: MYSQL_TIME) -> Date {
        zone.date(of: Self.withoutZeroParts(CivilTime(
            year: Int64(time.year), month: Int(time.month), day: Int(time.day), hour: Int(time.hour),
            minute: Int(time.minute), second: Int(time.second), nanosecond: Int(time.second_part) * 1000
        )))
    }

    /// Parses the text protocol's `YYYY-MM-DD[ HH:MM:SS[.ffffff]]`.
    func date(text: String) -> Date? {
        guard var parsed = SQLDateTimeText(text) else { return nil }
        parsed.time = Self.withoutZeroParts(parsed.time)
        return parsed.date(in: zone)
    }

    /// A month or day of 0 (MariaDB's zero-in-date values, such as `2024-00-00`) reads as 1.
    private static func withoutZeroParts(_ time: CivilTime) -> CivilTime {
        var time = time
        time.month = max(time.month, 1)
        time.day = max(time.day, 1)
        return time
    }
}
