/// Percent-decoding for URLs (`%41` -> `A`), without Foundation's `removingPercentEncoding`
/// (in `Foundation`, not `FoundationEssentials`).
package enum PercentDecoding {
    /// `text` with each `%XX` replaced by the byte it names; `nil` when a `%` is not followed by
    /// two hex digits or the bytes are not UTF-8. A `+` stays a `+`.
    package static func decode(_ text: some StringProtocol) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.contains(37) else { return String(text) }  // '%'
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard bytes[i] == 37 else {
                out.append(bytes[i])
                i += 1
                continue
            }
            guard i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) else { return nil }
            out.append(high << 4 | low)
            i += 3
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
