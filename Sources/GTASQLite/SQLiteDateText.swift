#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GTA

/// `DATETIME` text as SQLite's date functions write it: `YYYY-MM-DD HH:MM:SS`, wall time in a
/// configured zone, whole seconds; the conversion is the package's one civil-time arithmetic.
enum SQLiteDateText {
    /// `date` as `YYYY-MM-DD HH:MM:SS` in `zone`, truncated to the second.
    static func format(_ date: Date, in zone: CivilTimeZone) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return SQLDateTimeText.format(zone.civilTime(secondsSinceEpoch: seconds))
    }

    /// Reads `YYYY-MM-DD`, optionally followed by ` HH:MM[:SS[.fraction]]` (or `T` instead of the
    /// space) and an optional `Z` or `±HH:MM` zone; without a zone the wall time is in `zone`.
    /// Returns `nil` for anything else, and for a month or day of 0.
    static func parse(_ text: String, in zone: CivilTimeZone) -> Date? {
        guard let parsed = SQLDateTimeText(text), parsed.time.month >= 1, parsed.time.day >= 1 else { return nil }
        return parsed.date(in: zone)
    }
}
