import Foundation
import Testing

@testable import GTA

@Suite("Civil time: the one wall-clock conversion")
struct CivilTimeTests {
    @Test func daysAroundTheEpoch() {
        #expect(CivilTime.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.days(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilTime.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilTime.date(fromDays: -1) == (1969, 12, 31))
        #expect(CivilTime.date(fromDays: 0) == (1970, 1, 1))
        #expect(CivilTime.date(fromDays: 19_782) == (2024, 2, 29))
    }

    @Test func leapYears() {
        #expect(CivilTime.isLeapYear(2024) && CivilTime.isLeapYear(2000) && CivilTime.isLeapYear(1600) && CivilTime.isLeapYear(0))
        #expect(!CivilTime.isLeapYear(1900) && !CivilTime.isLeapYear(2100) && !CivilTime.isLeapYear(2023))
        #expect(CivilTime.daysIn(month: 2, year: 2000) == 29)
        #expect(CivilTime.daysIn(month: 2, year: 1900) == 28)
        #expect(CivilTime(year: 2024, month: 2, day: 29).hasValidDate)
        #expect(!CivilTime(year: 2023, month: 2, day: 29).hasValidDate)
        #expect(!CivilTime(year: 2100, month: 2, day: 29).hasValidDate)
        #expect(!CivilTime(year: 2024, month: 4, day: 31).hasValidDate)
        #expect(!CivilTime(year: 2024, month: 0, day: 1).hasValidDate)
        // February 28 and March 1 are one or two days apart.
        #expect(CivilTime.days(year: 2024, month: 3, day: 1) - CivilTime.days(year: 2024, month: 2, day: 28) == 2)
        #expect(CivilTime.days(year: 1900, month: 3, day: 1) - CivilTime.days(year: 1900, month: 2, day: 28) == 1)
        #expect(CivilTime.days(year: 2001, month: 1, day: 1) - CivilTime.days(year: 2000, month: 1, day: 1) == 366)
    }

    @Test("Days and dates round-trip, and agree with Foundation's Gregorian calendar")
    func agreesWithTheGregorianCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var mismatches: [Int64] = []
        for days in stride(from: Int64(-800_000), through: 3_000_000, by: 9_973) {
            let date = CivilTime.date(fromDays: days)
            if CivilTime.days(year: date.year, month: date.month, day: date.day) != days { mismatches.append(days) }
            // Foundation's calendar is Julian before 1582; compare from then on.
            guard date.year >= 1583 else { continue }
            let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
            if (parts.year, parts.month, parts.day) != (Int(date.year), date.month, date.day) { mismatches.append(days) }
        }
        // Every day of a leap and a common year, and the days around the epoch.
        for days in Int64(-800)...800 {
            let date = CivilTime.date(fromDays: days)
            if CivilTime.days(year: date.year, month: date.month, day: date.day) != days { mismatches.append(days) }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("Years 1000 and 9999, year 1 and year 0", arguments: [
        (CivilTime(year: 1000, month: 1, day: 1), Int64(-30_610_224_000)),
        (CivilTime(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59), Int64(253_402_300_799)),
        (CivilTime(year: 1, month: 1, day: 1), Int64(-62_135_596_800)),
        (CivilTime(year: 0, month: 1, day: 1), Int64(-62_167_219_200)),
    ])
    func extremeYears(time: CivilTime, seconds: Int64) {
        #expect(time.secondsSinceEpoch(utcOffset: 0) == seconds)
        #expect(CivilTime(secondsSinceEpoch: seconds) == time)
    }

    @Test func negativeEpochs() {
        #expect(CivilTime(secondsSinceEpoch: -1) == CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59))
        #expect(CivilTime(secondsSinceEpoch: -86_400) == CivilTime(year: 1969, month: 12, day: 31))
        #expect(CivilTime(secondsSinceEpoch: -86_401) == CivilTime(year: 1969, month: 12, day: 30, hour: 23, minute: 59, second: 59))
        let parts = CivilTime.epochParts(of: Date(timeIntervalSince1970: -0.25))
        #expect(parts.seconds == -1 && parts.nanosecond == 750_000_000)
        #expect(CivilTimeZone.utc.civilTime(of: Date(timeIntervalSince1970: -0.25))
            == CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59, nanosecond: 750_000_000))
    }

    @Test func offsets() {
        let instant: Int64 = 1_709_222_398  // 2024-02-29T15:59:58Z
        #expect(CivilTime(secondsSinceEpoch: instant, utcOffset: 8 * 3600)
            == CivilTime(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58))
        // +14:00 moves to the next day, -12:00 stays; -05:30 is a half hour.
        #expect(CivilTime(secondsSinceEpoch: instant, utcOffset: 14 * 3600)
            == CivilTime(year: 2024, month: 3, day: 1, hour: 5, minute: 59, second: 58))
        #expect(CivilTime(secondsSinceEpoch: instant, utcOffset: -12 * 3600)
            == CivilTime(year: 2024, month: 2, day: 29, hour: 3, minute: 59, second: 58))
        let west = CivilTime(year: 1970, month: 1, day: 1)
        #expect(west.secondsSinceEpoch(utcOffset: -19_800) == 19_800)
        #expect(CivilTime(secondsSinceEpoch: 19_800, utcOffset: -19_800) == west)
        // Across the epoch with an offset.
        #expect(CivilTime(secondsSinceEpoch: 0, utcOffset: -1) == CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59))
    }

    @Test func microsecondsRoundAndCarry() {
        let parts = CivilTime.epochParts(of: Date(timeIntervalSince1970: 1.999_999_7))
        #expect(parts.seconds == 2 && parts.nanosecond == 0)
        let half = CivilTime.epochParts(of: Date(timeIntervalSince1970: 1_709_222_398.5))
        #expect(half.seconds == 1_709_222_398 && half.nanosecond == 500_000_000)
    }

    @Test func zonesWithOneOffsetAreFixed() throws {
        #expect(CivilTimeZone.utc.isUTC)
        #expect(CivilTimeZone(TimeZone(secondsFromGMT: 3600)!).fixedOffset == 3600)
        #expect(CivilTimeZone(try #require(TimeZone(identifier: "Europe/Berlin"))).fixedOffset == nil)
    }

    @Test func daylightSavingTimeInBerlin() throws {
        let berlin = CivilTimeZone(try #require(TimeZone(identifier: "Europe/Berlin")))
        // Winter and summer.
        let january = CivilTime(year: 2024, month: 1, day: 15, hour: 12)
        #expect(berlin.secondsSinceEpoch(of: january) == january.secondsSinceEpoch(utcOffset: 3600))
        let july = CivilTime(year: 2024, month: 7, day: 15, hour: 12)
        #expect(berlin.secondsSinceEpoch(of: july) == july.secondsSinceEpoch(utcOffset: 7200))
        #expect(berlin.civilTime(secondsSinceEpoch: july.secondsSinceEpoch(utcOffset: 7200)) == july)
        // 2024-10-27 02:30 happens twice: the later reading (winter time, +01:00) wins.
        let repeated = CivilTime(year: 2024, month: 10, day: 27, hour: 2, minute: 30)
        #expect(berlin.secondsSinceEpoch(of: repeated) == repeated.secondsSinceEpoch(utcOffset: 3600))
        // 2024-03-31 02:30 never happens: read at the offset before the change (+01:00).
        let skipped = CivilTime(year: 2024, month: 3, day: 31, hour: 2, minute: 30)
        #expect(berlin.secondsSinceEpoch(of: skipped) == skipped.secondsSinceEpoch(utcOffset: 3600))
        // A Date and back, to the microsecond.
        let date = Date(timeIntervalSince1970: 1_721_044_800.123_456)
        let wall = berlin.civilTime(of: date)
        #expect(wall.hour == 14 && wall.nanosecond == 123_456_000)
        #expect(abs(berlin.date(of: wall).timeIntervalSince(date)) < 1e-6)
    }

    @Test("SQL date-time text", arguments: [
        ("2024-02-29 23:59:58", CivilTime(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58), nil as Int?),
        ("2024-02-29T23:59:58.5", CivilTime(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 58, nanosecond: 500_000_000), nil),
        ("1000-01-01", CivilTime(year: 1000, month: 1, day: 1), nil),
        ("9999-12-31 23:59", CivilTime(year: 9999, month: 12, day: 31, hour: 23, minute: 59), nil),
        ("2024-01-01 00:00:00.1234567891Z", CivilTime(year: 2024, month: 1, day: 1, nanosecond: 123_456_789), 0),
        ("2024-01-01 08:00:00+08:00", CivilTime(year: 2024, month: 1, day: 1, hour: 8), 28_800),
        ("2024-01-01 08:00:00-05:30", CivilTime(year: 2024, month: 1, day: 1, hour: 8), -19_800),
        ("2024-00-00", CivilTime(year: 2024, month: 0, day: 0), nil),
    ])
    func sqlText(text: String, time: CivilTime, offset: Int?) throws {
        let parsed = try #require(SQLDateTimeText(text))
        #expect(parsed.time == time)
        #expect(parsed.utcOffset == offset)
    }

    @Test("Text that is not SQL date-time", arguments: [
        "", "yesterday", "2024-1-01", "2024-13-01", "2024-01-32", "2024-01-01 24:00:00", "2024-01-01 00:60",
        "2024-01-01 00:00:61", "2024-01-01 00:00:00.", "2024-01-01 00:00:00+0800", "2024-01-01 00:00:00+24:00",
        "2024-01-01 00:00:00 junk", "2024-01-01T", "+2024-01-01",
    ])
    func notSQLText(text: String) {
        #expect(SQLDateTimeText(text) == nil)
    }

    @Test func sqlTextFormatsAndReadsInAZone() throws {
        let time = CivilTime(year: 2026, month: 11, day: 24, hour: 20, minute: 5, second: 6)
        #expect(SQLDateTimeText.format(time) == "2026-11-24 20:05:06")
        #expect(SQLDateTimeText.format(CivilTime(year: 1000, month: 1, day: 1)) == "1000-01-01 00:00:00")
        let plus2 = CivilTimeZone(TimeZone(secondsFromGMT: 7200)!)
        let local = try #require(SQLDateTimeText("2026-11-24 22:05:06"))
        #expect(local.date(in: plus2) == Date(timeIntervalSince1970: 1_795_550_706))
        // A written offset wins over the zone.
        let written = try #require(SQLDateTimeText("2026-11-24 20:05:06Z"))
        #expect(written.date(in: plus2) == Date(timeIntervalSince1970: 1_795_550_706))
    }

    @Test func gtaValueDatesFromText() {
        #expect(Date(sqlValue: .string("2026-11-24 20:05:06")) == Date(timeIntervalSince1970: 1_795_550_706))
        #expect(Date(sqlValue: .string("2026-11-24T20:05:06.25")) == Date(timeIntervalSince1970: 1_795_550_706.25))
        #expect(Date(sqlValue: .string("1969-12-31 23:59:59")) == Date(timeIntervalSince1970: -1))
        #expect(Date(sqlValue: .string("2024-02-29 12:00:00")) != nil)
        #expect(Date(sqlValue: .string("2023-02-29 12:00:00")) == nil)
        #expect(Date(sqlValue: .string("2026-11-24")) == nil)
        #expect(Date(sqlValue: .string("2026-11-24 20:05")) == nil)
        #expect(Date(sqlValue: .string("2026-11-24 20:05:06Z")) == nil)
    }
}
