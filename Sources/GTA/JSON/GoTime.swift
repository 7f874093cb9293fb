#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Go `time.Time` as JSON sees it: an instant with nanosecond precision and the UTC offset it
/// was written with, such as `"2024-02-29T23:59:58.123456789+08:00"`.
///
/// Go marshals `time.Time` in RFC 3339 with nanoseconds and keeps the offset; Foundation's `Date`
/// holds neither exactly. `GoTime` stores seconds since the Unix epoch, nanoseconds and the
/// offset, so a value read from a Go row is written back byte for byte.
///
/// Encoding follows Go's `MarshalJSON` (`time.RFC3339Nano`): fractional seconds with trailing
/// zeros trimmed and no fraction when zero, `Z` for offset zero and `±hh:mm` otherwise. Decoding
/// accepts RFC 3339 with 0 to 9 fraction digits, `Z` or `±hh:mm`, and years 0000 to 9999.
///
/// Two values are equal when instant and offset are equal (like Go's `==`, unlike Go's `Equal`);
/// use ``isSameInstant(as:)`` to compare instants only. Ordering is by instant, with the offset
/// only breaking ties between equal instants.
public struct GoTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int64
    /// Nanoseconds past ``secondsSinceEpoch``, in `0..<1_000_000_000`.
    public let nanoseconds: Int32
    /// The offset from UTC in seconds, east positive (`+08:00` is 28800). JSON keeps whole minutes.
    public let utcOffset: Int32

    /// Seconds from 0001-01-01T00:00:00Z to the Unix epoch.
    static let zeroSeconds: Int64 = -62_135_596_800

    /// Go's zero time, `0001-01-01T00:00:00Z`, what an unset `time.Time` marshals to.
    public static let zero = GoTime(unchecked: zeroSeconds, nanoseconds: 0, utcOffset: 0)

    /// Whether this is Go's zero instant (January 1, year 1, 00:00:00 UTC), whatever the offset,
    /// as Go's `IsZero`.
    public var isZero: Bool { secondsSinceEpoch == Self.zeroSeconds && nanoseconds == 0 }

    /// Creates a time from its parts.
    ///
    /// - Parameters:
    ///   - secondsSinceEpoch: Whole seconds since 1970-01-01T00:00:00Z.
    ///   - nanoseconds: Additional nanoseconds; values outside `0..<1_000_000_000` carry into
    ///     the seconds.
    ///   - utcOffset: The offset from UTC in seconds. RFC 3339 has room for whole minutes within
    ///     ±24 hours only: other values are truncated to whole minutes and clamped to ±23:59.
    public init(secondsSinceEpoch: Int64, nanoseconds: Int64 = 0, utcOffset: Int = 0) {
        let utcOffset = min(max(utcOffset - utcOffset % 60, -86_340), 86_340)
        let (carry, nanos) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        let adjust: Int64 = nanos < 0 ? -1 : 0
        self.init(unchecked: secondsSinceEpoch + carry + adjust,
                  nanoseconds: Int32(nanos < 0 ? nanos + 1_000_000_000 : nanos),
                  utcOffset: Int32(utcOffset))
    }

    init(unchecked seconds: Int64, nanoseconds: Int32, utcOffset: Int32) {
        self.secondsSinceEpoch = seconds
        self.nanoseconds = nanoseconds
        self.utcOffset = utcOffset
    }

    /// Creates a time for `date`, shown at `offset` seconds east of UTC (0 gives `Z`).
    ///
    /// `Date` is a `Double` of seconds and cannot hold nanoseconds exactly, so the instant is
    /// rounded to the nearest microsecond. `offset` is truncated to whole minutes and clamped to
    /// ±23:59 (RFC 3339 has no room for offset seconds).
    public init(date: Date, offset: Int = 0) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let (seconds, rest) = Int64(micros).quotientAndRemainder(dividingBy: 1_000_000)
        self.init(secondsSinceEpoch: seconds, nanoseconds: rest * 1000, utcOffset: offset)
    }

    /// Creates a time for `date` with the offset `timeZone` has at that date.
    public init(date: Date, timeZone: TimeZone) {
        let offset = timeZone.secondsFromGMT(for: date)
        self.init(date: date, offset: offset - offset % 60)
    }

    /// The instant as a `Date` (sub-microsecond precision is not representable).
    public var date: Date {
        Date(timeIntervalSince1970: Double(secondsSinceEpoch) + Double(nanoseconds) / 1e9)
    }

    /// The same instant shown at another offset (seconds east of UTC, whole minutes).
    public func withOffset(_ offset: Int) -> GoTime {
        GoTime(secondsSinceEpoch: secondsSinceEpoch, nanoseconds: Int64(nanoseconds), utcOffset: offset)
    }

    /// Whether both values denote the same instant, whatever their offsets (Go's `Equal`).
    public func isSameInstant(as other: GoTime) -> Bool {
        secondsSinceEpoch == other.secondsSinceEpoch && nanoseconds == other.nanoseconds
    }

    public static func < (lhs: GoTime, rhs: GoTime) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds, lhs.utcOffset)
            < (rhs.secondsSinceEpoch, rhs.nanoseconds, rhs.utcOffset)
    }

    /// The RFC 3339 text Go writes for this time, e.g. `2024-02-29T23:59:58.123456789+08:00`.
    ///
    /// Years outside 0...9999 are written with as many digits as needed (Go's `Format`); JSON
    /// encoding refuses them, as Go's `MarshalJSON` does.
    public var rfc3339String: String { GoTimeFormat.format(self) }

    /// The text for JSON, or `nil` when the year is outside 0...9999.
    var marshalText: String? {
        let year = GoTimeFormat.civil(self).year
        return (0...9999).contains(year) ? rfc3339String : nil
    }

    public var description: String { rfc3339String }

    /// Parses RFC 3339 text as Go's `UnmarshalJSON` does (without the quotes).
    ///
    /// - Throws: ``ParseError`` naming what is wrong.
    public init(rfc3339String text: String) throws(ParseError) {
        self = try GoTimeFormat.parse(text)
    }

    /// Why a text is not an RFC 3339 time.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text that failed to parse.
        public let input: String
        /// What is wrong with it.
        public let reason: String

        public var description: String { "invalid RFC 3339 time \"\(input)\": \(reason)" }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try GoTimeFormat.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        guard let text = marshalText else {
            throw EncodingError.invalidValue(self, .init(
                codingPath: encoder.codingPath,
                debugDescription: "GoTime \(rfc3339String) has a year outside 0...9999, which Go refuses to marshal"))
        }
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
