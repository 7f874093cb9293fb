/// Writes a ``GoJSONNode`` tree as the bytes Go's `encoding/json.Marshal` produces.
struct GoJSONWriter {
    /// Escape `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (Go's default, `SetEscapeHTML(true)`).
    var escapesHTML: Bool
    private(set) var bytes: [UInt8] = []

    init(escapesHTML: Bool) { self.escapesHTML = escapesHTML }

    mutating func write(_ slot: GoJSONSlot) {
        guard let node = slot.node else {
            bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
            return
        }
        write(node)
    }

    mutating func write(_ node: GoJSONNode) {
        switch node {
        case .null:
            bytes.append(contentsOf: "null".utf8)
        case .bool(let value):
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text):
            bytes.append(contentsOf: text.utf8)
        case .string(let text):
            writeString(text)
        case .array(let box):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let box):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in box.orderedKeys.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                if let slot = box.slots[key] { write(slot) }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes a quoted string with Go's escapes: `\"`, `\\`, `\n`, `\r`, `\t`, every other byte
    /// below 0x20 as `\u00xx` (lower-case hex, so `\b` is `\u0008` as Go up to 1.21 writes it),
    /// optionally `<>&`, and always U+2028 / U+2029.
    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            switch byte {
            case UInt8(ascii: "\""):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"):
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                writeUnicodeEscape(UInt16(byte))
            case UInt8(ascii: "<") where escapesHTML, UInt8(ascii: ">") where escapesHTML,
                UInt8(ascii: "&") where escapesHTML:
                writeUnicodeEscape(UInt16(byte))
            case 0xE2 where index + 2 < utf8.count && utf8[index + 1] == 0x80
                && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9):
                // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR.
                writeUnicodeEscape(utf8[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                index += 2
            default:
                bytes.append(byte)
            }
            index += 1
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeUnicodeEscape(_ unit: UInt16) {
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(Self.hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
        }
    }
}

/// Go's `encoding/json` number formatting for floating-point values.
enum GoJSONNumberFormat {
    /// The text Go writes for a finite `float64`, or `nil` for NaN and infinities (which Go refuses).
    ///
    /// Go uses the shortest representation that round-trips (as Swift's `description` does) and
    /// picks the layout by magnitude: plain decimal notation (`12.5`, `0`, `100000000000000000000`,
    /// `0.000001`) unless `abs < 1e-6 || abs >= 1e21`, then exponent notation with at least two
    /// exponent digits for positive exponents (`1e+21`) and the minimum for negative ones (`1e-7`).
    static func format(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        let magnitude = value.magnitude
        let useExponent = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)
        return layout(shortestDescription: value.description, useExponent: useExponent)
    }

    /// The text Go writes for a finite `float32`, or `nil` for NaN and infinities.
    static func format(_ value: Float) -> String? {
        guard value.isFinite else { return nil }
        let magnitude = value.magnitude
        let useExponent = magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)
        return layout(shortestDescription: value.description, useExponent: useExponent)
    }

    /// Re-lays out Swift's shortest round-trip text (`"1.2345e-07"`, `"100.0"`, `"-0.0"`) in Go's style.
    private static func layout(shortestDescription text: String, useExponent: Bool) -> String {
        var text = Substring(text)
        let negative = text.first == "-"
        if negative { text = text.dropFirst() }

        // Split mantissa and exponent.
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        // Collect the significant digits; the value is 0.d1d2d3... * 10^pointPosition.
        var digits: [UInt8] = []
        var pointPosition = 0
        var seenPoint = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            digits.append(byte)
            if !seenPoint { pointPosition += 1 }
        }
        // Strip leading zeros (moving the point) and trailing zeros.
        while let first = digits.first, first == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeLast()
        }
        pointPosition += exponent
        let isZero = digits == [UInt8(ascii: "0")]

        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if isZero {
            out.append(UInt8(ascii: "0"))
        } else if useExponent {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let decimalExponent = pointPosition - 1
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: decimalExponent < 0 ? "-" : "+"))
            let exponentDigits = Array(String(decimalExponent.magnitude).utf8)
            // strconv writes at least two digits; encoding/json turns "e-07" back into "e-7".
            if exponentDigits.count < 2 && decimalExponent >= 0 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: exponentDigits)
        } else if pointPosition <= 0 {
            out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")])
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
            out.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - digits.count))
        } else {
            out.append(contentsOf: digits[..<pointPosition])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[pointPosition...])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
