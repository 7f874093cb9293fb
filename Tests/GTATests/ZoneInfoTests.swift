import Foundation
import Testing

@testable import GTA

@Suite("Named time zones from the system's TZif files, without ICU")
struct ZoneInfoTests {
    /// 2024-03-31T01:00:00Z and 2024-10-27T01:00:00Z: Europe/Paris's changes in 2024.
    static let parisSpring: Int64 = 1_711_846_800
    static let parisAutumn: Int64 = 1_729_990_800

    @Test func utcAndFixedOffsets() throws {
        #expect(try #require(ZoneInfo(identifier: "UTC")).fixedOffset == 0)
        #expect(CivilTimeZone(.gmt).isUTC)
        #expect(CivilTimeZone.utc.isUTC)
        let plusOne = CivilTimeZone(TimeZone(secondsFromGMT: 3600)!)
        #expect(plusOne.fixedOffset == 3600)
        #expect(plusOne.offset(atSecondsSinceEpoch: Self.parisSpring) == 3600)
        // POSIX signs: Etc/GMT-3 is three hours east of UTC.
        #expect(try #require(ZoneInfo(identifier: "Etc/GMT-3")).fixedOffset == 10_800)
        #expect(try #require(CivilTimeZone(named: "Asia/Kolkata")).offset(atSecondsSinceEpoch: 1_700_000_000) == 19_800)
    }

    @Test("Europe/Paris across its daylight-saving changes")
    func parisAcrossDST() throws {
        let paris = try #require(CivilTimeZone(named: "Europe/Paris"))
        #expect(paris.fixedOffset == nil)
        #expect(paris.identifier == "Europe/Paris")
        #expect(paris.offset(atSecondsSinceEpoch: Self.parisSpring - 1) == 3600)
        #expect(paris.offset(atSecondsSinceEpoch: Self.parisSpring) == 7200)
        #expect(paris.offset(atSecondsSinceEpoch: Self.parisAutumn - 1) == 7200)
        #expect(paris.offset(atSecondsSinceEpoch: Self.parisAutumn) == 3600)
        // Wall times: 03:00 CEST is the spring change; 02:30 on 27 October happens twice and
        // reads as the later instant; 02:30 on 31 March never happens and reads at +01:00.
        #expect(paris.civilTime(secondsSinceEpoch: Self.parisSpring) == CivilTime(year: 2024, month: 3, day: 31, hour: 3))
        let repeated = CivilTime(year: 2024, month: 10, day: 27, hour: 2, minute: 30)
        #expect(paris.secondsSinceEpoch(of: repeated) == Self.parisAutumn + 1800)
        let skipped = CivilTime(year: 2024, month: 3, day: 31, hour: 2, minute: 30)
        #expect(paris.secondsSinceEpoch(of: skipped) == Self.parisSpring + 1800)
    }

    @Test("Past the file's last transition, the footer's POSIX rule answers")
    func farFutureFromTheFooterRule() throws {
        let paris = try #require(ZoneInfo(identifier: "Europe/Paris"))
        let rule = try #require(paris.rule)
        #expect(rule.hasDaylightSavingTime && rule.standardOffset == 3600)
        let july2100 = CivilTime(year: 2100, month: 7, day: 1).secondsSinceEpoch(utcOffset: 0)
        let january2100 = CivilTime(year: 2100, month: 1, day: 15).secondsSinceEpoch(utcOffset: 0)
        #expect(paris.offset(atSecondsSinceEpoch: july2100) == 7200)
        #expect(paris.offset(atSecondsSinceEpoch: january2100) == 3600)
        // 2100-03-28 is the last Sunday of March: 01:00Z is the change.
        let change = CivilTime(year: 2100, month: 3, day: 28, hour: 1).secondsSinceEpoch(utcOffset: 0)
        #expect(paris.offset(atSecondsSinceEpoch: change - 1) == 3600)
        #expect(paris.offset(atSecondsSinceEpoch: change) == 7200)
    }

    @Test("Agrees with Foundation's ICU zones from 1900 to 2100", arguments: [
        "Europe/Paris", "America/New_York", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tokyo",
        "Europe/Dublin", "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca",
    ])
    func agreesWithFoundation(_ name: String) throws {
        let ours = try #require(CivilTimeZone(named: name))
        let theirs = try #require(TimeZone(identifier: name))
        var mismatches: [Int64] = []
        let start = CivilTime(year: 1900, month: 1, day: 1).secondsSinceEpoch(utcOffset: 0)
        let end = CivilTime(year: 2100, month: 1, day: 1).secondsSinceEpoch(utcOffset: 0)
        for seconds in stride(from: start, to: end, by: 86_400 * 7 + 3_607) {
            let expected = theirs.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
            if ours.offset(atSecondsSinceEpoch: seconds) != expected { mismatches.append(seconds) }
        }
        #expect(mismatches.isEmpty, "\(name): \(mismatches.count) instants differ, first \(mismatches.prefix(3))")
    }

    @Test func posixRules() throws {
        let tehran = try #require(PosixTimeZoneRule("<+0330>-3:30"))
        #expect(tehran.standardOffset == 12_600 && !tehran.hasDaylightSavingTime)
        let newYork = try #require(PosixTimeZoneRule("EST5EDT,M3.2.0,M11.1.0"))
        // 2030-03-10 is the second Sunday of March: 02:00 EST is 07:00Z.
        let change = CivilTime(year: 2030, month: 3, day: 10, hour: 7).secondsSinceEpoch(utcOffset: 0)
        #expect(newYork.offset(atSecondsSinceEpoch: change - 1) == -18_000)
        #expect(newYork.offset(atSecondsSinceEpoch: change) == -14_400)
        // Julian days, and a change time past midnight (version 3 files).
        let julian = try #require(PosixTimeZoneRule("XXX3YYY,J60/25,J300"))
        #expect(PosixTimeZoneRule.days(of: .julian(60), in: 2024) == CivilTime.days(year: 2024, month: 3, day: 1))
        #expect(julian.hasDaylightSavingTime)
        for bad in ["", "AB1", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,M10.5.0junk"] {
            #expect(PosixTimeZoneRule(bad) == nil, "\(bad)")
        }
    }

    @Test func refusesWhatIsNotAZone() {
        #expect(ZoneInfo(identifier: "../etc/passwd") == nil)
        #expect(ZoneInfo(identifier: "/etc/localtime") == nil)
        #expect(ZoneInfo(identifier: "Nowhere/Atlantis") == nil)
        #expect(ZoneInfo(identifier: "x", tzif: Array("TZif2 not really".utf8)) == nil)
        #expect(CivilTimeZone(named: "") == nil)
    }

    @Test func percentDecoding() {
        #expect(PercentDecoding.decode("p%40ss%2Fw%C3%B6rd+x") == "p@ss/wörd+x")
        #expect(PercentDecoding.decode("plain") == "plain")
        #expect(PercentDecoding.decode("bad%2") == nil)
        #expect(PercentDecoding.decode("bad%zz") == nil)
        #expect(PercentDecoding.decode("%FF") == nil)
    }
}
