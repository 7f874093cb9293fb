import GTA

/// Durations as a person writes them: `90s`, `10m`, `1h30m`, `2d`, `500ms`.
public enum DurationText {
    /// Parses a sum of numbers each followed by a unit: `ms`, `s`, `m`, `h` or `d`.
    /// - Throws: ``OperationsError/Code/invalidArgument`` naming what does not read.
    public static func parse(_ text: String) throws -> Duration {
        let fail = OperationsError(.invalidArgument, "'\(text)' is not a duration: write it like 90s, 10m, 1h30m or 2d")
        var total = Duration.zero
        var number = ""
        var unit = ""
        var sawAny = false
        func flush() throws {
            guard !number.isEmpty else { throw fail }
            guard let value = Int64(number), value >= 0, value < 1_000_000_000 else { throw fail }
            switch unit {
            case "ms": total += .milliseconds(value)
            case "s": total += .seconds(value)
            case "m": total += .seconds(value * 60)
            case "h": total += .seconds(value * 3600)
            case "d": total += .seconds(value * 86_400)
            default: throw fail
            }
            number = ""
            unit = ""
            sawAny = true
        }
        for character in text.lowercased() {
            if character.isASCII, character.isNumber {
                if !unit.isEmpty { try flush() }
                number.append(character)
            } else if character.isLetter {
                guard !number.isEmpty else { throw fail }
                unit.append(character)
            } else {
                throw fail
            }
        }
        if !number.isEmpty || !unit.isEmpty { try flush() }
        guard sawAny else { throw fail }
        return total
    }
}
