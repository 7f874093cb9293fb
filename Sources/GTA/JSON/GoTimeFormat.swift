/// RFC 3339 formatting and parsing for ``GoTime``, with the proleptic Gregorian calendar Go uses.
enum GoTimeFormat {
    struct Civil {
        var year: Int64
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int
    }

    /// Days since 1970-01-01 for a civil date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date for days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func date(days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The local civil time of `time` (its instant shifted by its offset).
    static func civil(_ time: GoTime) -> Civil {
        let local = time.secondsSinceEpoch + Int64(time.utcOffset)
        let (days, secondsOfDay) = floorDivide(local, 86_400)
        let date = date(days: days)
        return Civil(year: date.year, month: date.month, day: date.day,
                     hour: Int(secondsOfDay / 3600), minute: Int(secondsOfDay % 3600 / 60),
                     second: Int(secondsOfDay % 60))
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? (q - 1, r + divisor) : (q, r)
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

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

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
        guard day >= 1 && day <= daysIn(month: month, year: Int64(year)) else {
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

        let localSeconds = days(year: Int64(year), month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        return GoTime(unchecked: localSeconds - Int64(offset), nanoseconds: Int32(nanos), utcOffset: Int32(offset))
    }
}
