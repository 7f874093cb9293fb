import Foundation
import Testing
@testable import GTA

@Suite("GoTime and Go durations")
struct GoJSONTimeTests {
    @Test("Go-written times round-trip exactly", arguments: [
        "2024-02-29T23:59:58.123456789+08:00",
        "2025-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "1969-12-31T23:59:59.999999999Z",
        "2024-06-01T12:30:00.5-05:30",
        "2000-02-29T00:00:00.000000001+14:00",
        "1900-03-01T00:00:00.12-00:01",
    ])
    func roundTrip(text: String) throws {
        let time = try GoTime(rfc3339String: text)
        #expect(time.rfc3339String == text)
        let quoted = "\"\(text)\""
        let decoded = try GoJSONDecoder().decode(GoTime.self, from: quoted)
        #expect(decoded == time)
        #expect(try GoJSONEncoder().encodeToString(decoded) == quoted)
    }

    @Test("Fields of a parsed time")
    func fields() throws {
        let time = try GoTime(rfc3339String: "2024-02-29T23:59:58.123456789+08:00")
        #expect(time.secondsSinceEpoch == 1_709_222_398)
        #expect(time.nanoseconds == 123_456_789)
        #expect(time.utcOffset == 28_800)
        let before = try GoTime(rfc3339String: "1969-12-31T23:59:59.999999999Z")
        #expect(before.secondsSinceEpoch == -1)
        #expect(before.nanoseconds == 999_999_999)
        let west = try GoTime(rfc3339String: "1970-01-01T00:00:00-05:30")
        #expect(west.secondsSinceEpoch == 19_800)
        #expect(west.utcOffset == -19_800)
        #expect(GoTime.zero.secondsSinceEpoch == -62_135_596_800)
    }

    @Test("Normalising inputs Go also normalises", arguments: [
        ("2024-01-01T00:00:00.100+01:00", "2024-01-01T00:00:00.1+01:00"),
        ("2024-01-01T00:00:00.000000000Z", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00-00:00", "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00.1234Z", "2024-01-01T00:00:00.1234Z"),
    ])
    func normalised(input: String, go: String) throws {
        #expect(try GoTime(rfc3339String: input).rfc3339String == go)
    }

    @Test("Invalid times are refused", arguments: [
        "", "2024", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z", "2024-04-31T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
        "2024-01-01 00:00:00Z", "2024-01-01t00:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
        "2024-01-01T00:00:00.1234567890Z", "2024-01-01T00:00:00+0800", "2024-01-01T00:00:00+08",
        "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00+08:60", "2024-01-01T00:00:00Zjunk",
        "24-01-01T00:00:00Z", "2024-1-01T00:00:00Z", "+2024-01-01T00:00:00Z", "2024-01-01T00:00:00z",
        "２０２４-01-01T00:00:00Z",
    ])
    func invalid(text: String) {
        #expect(throws: GoTime.ParseError.self) { try GoTime(rfc3339String: text) }
        #expect(throws: DecodingError.self) { try GoJSONDecoder().decode(GoTime.self, from: "\"\(text)\"") }
    }

    @Test("Decoding errors say what is wrong")
    func errorMessage() {
        do {
            _ = try GoJSONDecoder().decode(GoTime.self, from: #""2023-02-29T00:00:00Z""#)
            Issue.record("no error")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("day 29 is out of range for month 2 of 2023"))
            #expect(context.debugDescription.contains("2023-02-29T00:00:00Z"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: DecodingError.self) { try GoJSONDecoder().decode(GoTime.self, from: "12") }
    }

    @Test("Years outside 0...9999 are refused on encoding, as by Go's MarshalJSON")
    func yearRange() throws {
        let year10000 = GoTime(secondsSinceEpoch: 253_402_300_800)
        #expect(year10000.rfc3339String == "10000-01-01T00:00:00Z")
        #expect(throws: EncodingError.self) { try GoJSONEncoder().encode(year10000) }
        let yearMinus1 = GoTime(secondsSinceEpoch: -62_167_219_200 - 1)
        #expect(yearMinus1.rfc3339String == "-0001-12-31T23:59:59Z")
        #expect(throws: EncodingError.self) { try GoJSONEncoder().encode(yearMinus1) }
        #expect(try GoJSONEncoder().encodeToString(GoTime(secondsSinceEpoch: -62_167_219_200))
            == #""0000-01-01T00:00:00Z""#)
    }

    @Test("Date conversion, offsets, zero, ordering")
    func conversions() throws {
        let date = Date(timeIntervalSince1970: 1_709_222_398.5)
        let time = GoTime(date: date, offset: 8 * 3600)
        #expect(time.rfc3339String == "2024-02-29T23:59:58.5+08:00")
        #expect(time.date == date)
        let negative = GoTime(date: Date(timeIntervalSince1970: -0.25))
        #expect(negative.secondsSinceEpoch == -1 && negative.nanoseconds == 750_000_000)
        #expect(GoTime(date: date, timeZone: TimeZone(secondsFromGMT: -3600)!).rfc3339String
            == "2024-02-29T14:59:58.5-01:00")
        let utc = time.withOffset(0)
        #expect(utc.rfc3339String == "2024-02-29T15:59:58.5Z")
        #expect(utc != time)
        #expect(utc.isSameInstant(as: time))
        #expect(GoTime(secondsSinceEpoch: 5, nanoseconds: -1) == GoTime(secondsSinceEpoch: 4, nanoseconds: 999_999_999))
        #expect(GoTime(secondsSinceEpoch: 0, nanoseconds: 1_500_000_000).rfc3339String == "1970-01-01T00:00:01.5Z")
        #expect(GoTime.zero.isZero)
        #expect(GoTime.zero.withOffset(3600).isZero)
        #expect(!GoTime(secondsSinceEpoch: 0).isZero)
        #expect(GoTime.zero < GoTime(secondsSinceEpoch: 0))
        #expect(try GoTime(rfc3339String: "2024-01-01T00:00:00.000000001Z") > GoTime(rfc3339String: "2024-01-01T08:00:00+08:00"))
        #expect([utc, time].sorted().count == 2)
        #expect(Set([utc, time, utc]).count == 2)
        #expect(GoTime.zero.description == "0001-01-01T00:00:00Z")
    }

    @Test("Duration as Go nanoseconds")
    func durations() {
        #expect(Duration.seconds(3600).goNanoseconds == 3_600_000_000_000)
        #expect(Duration.seconds(300).goNanoseconds == 300_000_000_000)
        #expect(Duration.milliseconds(-1500).goNanoseconds == -1_500_000_000)
        #expect(Duration.nanoseconds(1).goNanoseconds == 1)
        #expect(Duration(secondsComponent: 0, attosecondsComponent: 1_999_999_999).goNanoseconds == 1)
        #expect(Duration.seconds(Int64.max).goNanoseconds == .max)
        #expect(Duration.seconds(-Int64.max).goNanoseconds == .min)
        #expect(Duration(goNanoseconds: 120_000_000_000) == .seconds(120))
        #expect(Duration(goNanoseconds: Int64.min).goNanoseconds == Int64.min)
        #expect(Duration(goNanoseconds: Int64.max).goNanoseconds == Int64.max)
    }
}
