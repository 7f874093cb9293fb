/// RFC 3339 formatting and parsing for ``GoTime``, with the proleptic Gregorian calendar Go uses.
enum GoTimeFormat {
    /// The wall time of `time` at its own offset.
    static func civil(_ time: GoTime) -> CivilTime {
        CivilTime(secondsSinceEpoch: time.secondsSinceEpoch, utcOffset: Int(time.utcOffset))
    }

    static func format(_ time: GoTime) -> String {
        let c = civil(time)
        var out = c.year < 0 ? "-" + pad(-c.year, 4) : pad(c.year, 4)
        out += "-" + pad(Int64(c.month), 2) + "-" + pad(Int64(c.day), 2)
        out += "T" + pad(Int64(c.hour), 2) + ":" + pad(Int64(c.minute), 2) + ":" + pad(Int64(c.second), 2)
        if time.nanoseconds != 0 {
            var fraction = pad(Int64(time.nanoseconds), 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        if time.utcOffset == 0 {
            out += "Z"
        } else {
            let minutes = Int64(abs(time.utcOffset) / 60)
            out += (time.utcOffset < 0 ? "-" : "+") + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
        }
        return out
    }

    private static func pad(_ value: Int64, _ width: Int) -> String { CivilTime.pad(value, width) }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|±hh:mm)`.
    static func parse(_ text: String) throws(GoTime.ParseError) -> GoTime {
        let bytes = Array(text.utf8)
        var index = 0

        func fail(_ reason: String) -> GoTime.ParseError {
            GoTime.ParseError(input: text, reason: reason)
        }
        func number(_ count: Int, _ name: String) throws(GoTime.ParseError) -> Int {
            guard index + count <= bytes.count else { throw fail("text ends inside the \(name)") }
            var value = 0
            for byte in bytes[index..<(index + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw fail("the \(name) must be \(count) digits")
                }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func expect(_ character: Character, _ after: String) throws(GoTime.ParseError) {
            guard index < bytes.count, bytes[index] == character.asciiValue else {
                throw fail("expected \"\(character)\" after the \(after)")
            }
            index += 1
        }

        let year = try number(4, "year")
        try expect("-", "year")
        let month = try number(2, "month")
        guard (1...12).contains(month) else { throw fail("month \(month) is out of range") }
        try expect("-", "month")
        let day = try number(2, "day")
        var civil = CivilTime(year: Int64(year), month: month, day: day)
        guard civil.hasValidDate else {
            throw fail("day \(day) is out of range for month \(month) of \(year)")
        }
        try expect("T", "date")
        let hour = try number(2, "hour")
        guard hour < 24 else { throw fail("hour \(hour) is out of range") }
        try expect(":", "hour")
        let minute = try number(2, "minute")
        guard minute < 60 else { throw fail("minute \(minute) is out of range") }
        try expect(":", "minute")
        let second = try number(2, "second")
        guard second < 60 else { throw fail("second \(second) is out of range") }

        var nanos = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                guard digits < 9 else { throw fail("more than 9 fraction digits") }
                nanos = nanos * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw fail("a decimal point must be followed by digits") }
            for _ in digits..<9 { nanos *= 10 }
        }

        var offset = 0
        guard index < bytes.count else { throw fail("missing time zone offset (Z or ±hh:mm)") }
        switch bytes[index] {
        case UInt8(ascii: "Z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            let offsetHours = try number(2, "offset hours")
            guard offsetHours < 24 else { throw fail("offset hour \(offsetHours) is out of range") }
            try expect(":", "offset hours")
            let offsetMinutes = try number(2, "offset minutes")
            guard offsetMinutes < 60 else { throw fail("offset minute \(offsetMinutes) is out of range") }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            throw fail("expected Z or ±hh:mm after the time")
        }
        guard index == bytes.count else { throw fail("unexpected text after the time zone offset") }

        (civil.hour, civil.minute, civil.second) = (hour, minute, second)
        return GoTime(unchecked: civil.secondsSinceEpoch(utcOffset: offset), nanoseconds: Int32(nanos), utcOffset: Int32(offset))
    }
}
