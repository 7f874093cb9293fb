#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A named time zone read from the system's time zone database (TZif files, RFC 8536, under
/// `/usr/share/zoneinfo`), without Foundation's ICU path: `FoundationEssentials` alone cannot
/// make `TimeZone(identifier: "Europe/Paris")`, and loading ICU costs about 6 MB of memory.
///
/// It answers one question, the offset from UTC at an instant: from the file's transitions
/// (version 2+ 64-bit data when present) and, past the last one, from the POSIX `TZ` rule in the
/// file's footer (for example `CET-1CEST,M3.5.0,M10.5.0/3`).
package struct ZoneInfo: Sendable {
    /// Where the database is read from when no directory is given.
    package static let defaultDirectory = "/usr/share/zoneinfo"

    /// The zone's name, as given (for example `Europe/Paris`).
    package let identifier: String
    /// Instants (seconds since the epoch, ascending) at which the offset changes.
    let transitions: [Int64]
    /// The offset east of UTC in effect from `transitions[i]` on.
    let offsets: [Int]
    /// The offset before the first transition.
    let initialOffset: Int
    /// The rule past the last transition, when the file has one.
    let rule: PosixTimeZoneRule?

    /// Reads `directory/identifier`; `nil` when the name is not a relative path of plain
    /// components, or the file is missing or not a TZif file.
    package init?(identifier: String, directory: String = ZoneInfo.defaultDirectory) {
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard !identifier.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        guard let data = FileManager.default.contents(atPath: directory + "/" + identifier) else { return nil }
        self.init(identifier: identifier, tzif: Array(data))
    }

    /// Parses the bytes of a TZif file; `nil` when they are not one.
    package init?(identifier: String, tzif bytes: [UInt8]) {
        var reader = TZifReader(bytes: bytes)
        guard let first = reader.header() else { return nil }
        var header = first
        var timeSize = 4
        if first.version >= 2 {
            // Skip the version 1 block; the 64-bit block and the footer follow it.
            guard reader.skip(first.blockSize(timeSize: 4)), let second = reader.header() else { return nil }
            header = second
            timeSize = 8
        }
        guard let times = reader.integers(count: header.timeCount, size: timeSize),
            let indices = reader.bytes(count: header.timeCount),
            let types = reader.bytes(count: header.typeCount * 6),
            header.typeCount > 0
        else { return nil }
        let typeBytes = Array(types)
        var typeOffsets: [Int] = []
        for t in 0..<header.typeCount {
            let b = typeBytes[(t * 6)..<(t * 6 + 4)]
            typeOffsets.append(Int(Int32(bitPattern: b.reduce(0) { $0 << 8 | UInt32($1) })))
        }
        guard indices.allSatisfy({ Int($0) < header.typeCount }) else { return nil }
        var rule: PosixTimeZoneRule?
        if first.version >= 2 {
            let skipped = reader.skip(header.characterCount + header.leapCount * (timeSize + 4) + header.standardCount + header.utcCount)
            if skipped, let footer = reader.footer() { rule = PosixTimeZoneRule(footer) }
        }
        self.identifier = identifier
        self.transitions = times
        self.offsets = indices.map { typeOffsets[Int($0)] }
        self.initialOffset = typeOffsets[0]
        self.rule = rule
    }

    /// Seconds east of UTC at the instant `seconds` (seconds since the epoch).
    package func offset(atSecondsSinceEpoch seconds: Int64) -> Int {
        guard let last = transitions.last else { return rule?.offset(atSecondsSinceEpoch: seconds) ?? initialOffset }
        if seconds >= last, let rule { return rule.offset(atSecondsSinceEpoch: seconds) }
        guard seconds >= transitions[0] else { return initialOffset }
        // The last transition at or before `seconds`.
        var low = 0, high = transitions.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if transitions[mid] <= seconds { low = mid } else { high = mid - 1 }
        }
        return offsets[low]
    }

    /// The zone's only offset, when it has one: no transition and no daylight-saving rule.
    package var fixedOffset: Int? {
        let changes = Set(offsets + [initialOffset]).count > 1 || (rule?.hasDaylightSavingTime ?? false)
        guard !changes else { return nil }
        return rule?.standardOffset ?? offsets.last ?? initialOffset
    }
}

/// Reads big-endian fields off a TZif file.
private struct TZifReader {
    struct Header {
        var version: Int
        var utcCount, standardCount, leapCount, timeCount, typeCount, characterCount: Int

        func blockSize(timeSize: Int) -> Int {
            timeCount * (timeSize + 1) + typeCount * 6 + characterCount + leapCount * (timeSize + 4)
                + standardCount + utcCount
        }
    }

    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, position + count <= bytes.count else { return false }
        position += count
        return true
    }

    mutating func bytes(count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, position + count <= bytes.count else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func integers(count: Int, size: Int) -> [Int64]? {
        guard let raw = bytes(count: count * size) else { return nil }
        var values: [Int64] = []
        values.reserveCapacity(count)
        var i = raw.startIndex
        for _ in 0..<count {
            var value: UInt64 = 0
            for k in 0..<size { value = value << 8 | UInt64(raw[i + k]) }
            i += size
            values.append(size == 4 ? Int64(Int32(truncatingIfNeeded: value)) : Int64(bitPattern: value))
        }
        return values
    }

    mutating func header() -> Header? {
        guard let magic = bytes(count: 4), Array(magic) == Array("TZif".utf8), let version = bytes(count: 1),
            skip(15), let counts = integers(count: 6, size: 4), counts.allSatisfy({ $0 >= 0 && $0 < 1 << 20 })
        else { return nil }
        let v = version.first! == 0 ? 1 : Int(version.first!) - 48
        let c = counts.map { Int($0) }
        return Header(
            version: v, utcCount: c[0], standardCount: c[1], leapCount: c[2], timeCount: c[3], typeCount: c[4],
            characterCount: c[5])
    }

    /// The text between the two newlines that end a version 2+ file.
    mutating func footer() -> String? {
        guard position < bytes.count, bytes[position] == 10 else { return nil }
        let rest = bytes[(position + 1)...]
        guard let end = rest.firstIndex(of: 10) else { return nil }
        return String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
    }
}
