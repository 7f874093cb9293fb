import Foundation
import Testing
@testable import GTA

@Suite("GoJSONEncoder")
struct GoJSONEncoderTests {
    let encoder = GoJSONEncoder()

    private func json<T: Encodable>(_ value: T, _ encoder: GoJSONEncoder = GoJSONEncoder()) throws -> String {
        try encoder.encodeToString(value)
    }

    /// What Go 1.19's `json.Marshal(float64(x))` writes.
    @Test("Double formatting matches Go", arguments: [
        (0.0, "0"), (-0.0, "-0"), (12.5, "12.5"), (0.25, "0.25"), (1.5, "1.5"), (100, "100"),
        (0.1, "0.1"), (3.14159, "3.14159"), (-2.5, "-2.5"), (1.0000000000000002, "1.0000000000000002"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (123456789012345680000.0, "123456789012345680000"),
        (1e16, "10000000000000000"), (9007199254740993.0, "9007199254740992"),
        (1e-7, "1e-7"), (2e-7, "2e-7"), (-1.5e-7, "-1.5e-7"), (1.234e-10, "1.234e-10"),
        (1e-6, "0.000001"), (0.000123, "0.000123"), (123456789.123, "123456789.123"),
        (1e100, "1e+100"), (-1e21, "-1e+21"), (1.5e300, "1.5e+300"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
    ] as [(Double, String)])
    func doubles(value: Double, go: String) throws {
        #expect(try json(value) == go)
        #expect(try json([value]) == "[\(go)]")
        // And Go's text reads back to the same Double.
        #expect(try GoJSONDecoder().decode(Double.self, from: go) == value)
    }

    /// What Go writes for `float32(x)`.
    @Test("Float formatting matches Go", arguments: [
        (Float(0.1), "0.1"), (Float(16777217), "16777216"), (Float(1e21), "1e+21"), (Float(1e20), "100000000000000000000"),
        (Float(1e-7), "1e-7"), (Float(3.4028235e38), "3.4028235e+38"), (Float(0.5), "0.5"),
    ] as [(Float, String)])
    func floats(value: Float, go: String) throws {
        #expect(try json(value) == go)
    }

    @Test("NaN and infinities are refused, as in Go")
    func nonFinite() {
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try json(value) }
            #expect(throws: EncodingError.self) { try json(["x": value]) }
        }
        #expect(throws: EncodingError.self) { try json(Float.nan) }
        #expect(throws: EncodingError.self) { try json(JSONValue.double(.infinity)) }
    }

    @Test("Integers of every width")
    func integers() throws {
        #expect(try json(Int8.min) == "-128")
        #expect(try json(UInt64.max) == "18446744073709551615")
        #expect(try json(Int64.min) == "-9223372036854775808")
        #expect(try json([Int16(1), 2]) == "[1,2]")
        #expect(try json(UInt8(255)) == "255")
    }

    @Test("String escapes match Go", arguments: [
        ("plain", #""plain""#),
        ("a/b", #""a/b""#),
        ("<b>&amp;</b>", #""\u003cb\u003e\u0026amp;\u003c/b\u003e""#),
        ("quote \" backslash \\", #""quote \" backslash \\""#),
        ("\n\r\t", #""\n\r\t""#),
        ("\u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}", #""\u0000\u0001\u0008\u000b\u000c\u001f""#),
        ("del\u{7f}", "\"del\u{7f}\""),
        ("ls\u{2028}ps\u{2029}", #""ls\u2028ps\u2029""#),
        ("Grüße 日本語 🚀👍🏽", "\"Grüße 日本語 🚀👍🏽\""),
        ("\u{2027}\u{202a}", "\"\u{2027}\u{202a}\""),
    ])
    func strings(value: String, go: String) throws {
        #expect(try json(value) == go)
        #expect(try GoJSONDecoder().decode(String.self, from: go) == value)
    }

    @Test("escapesHTML = false leaves <>& alone but still escapes U+2028")
    func noHTMLEscape() throws {
        let encoder = GoJSONEncoder(escapesHTML: false)
        #expect(try json("<a>&\u{2028}", encoder) == #""<a>&\u2028""#)
    }

    struct Ordered: Codable {
        var zeta: Int
        var alpha: String
        var mid: [String: Int]
        var last: Bool
    }

    @Test("Struct keys in declaration order, dictionary keys sorted")
    func keyOrder() throws {
        let value = Ordered(zeta: 1, alpha: "a", mid: ["b": 1, "a": 2, "B": 3, "aa": 4, "é": 5, "z": 6], last: true)
        for _ in 0..<20 {
            #expect(try json(value) == #"{"zeta":1,"alpha":"a","mid":{"B":3,"a":2,"aa":4,"b":1,"z":6,"é":5},"last":true}"#)
        }
    }

    @Test("Integer-keyed dictionaries sort their keys as strings, as Go sorts map[int]T")
    func intKeys() throws {
        #expect(try json([2: "b", 10: "c", 1: "a"]) == #"{"1":"a","10":"c","2":"b"}"#)
    }

    struct Optionals: Codable {
        var name: String?
        var tags: [String]?
        var count: Int?
        var nested: Ordered?
    }

    @Test("nil optionals: null by default (Go), omitted with .omit")
    func nilEncoding() throws {
        let empty = Optionals()
        #expect(try json(empty) == #"{"name":null,"tags":null,"count":null,"nested":null}"#)
        #expect(try json(empty, GoJSONEncoder(nilEncoding: .omit)) == "{}")
        let full = Optionals(name: "n", tags: [], count: 0, nested: nil)
        #expect(try json(full, GoJSONEncoder(nilEncoding: .omit)) == #"{"name":"n","tags":[],"count":0}"#)
        #expect(try json([1, nil, 3] as [Int?]) == "[1,null,3]")
        #expect(try json(Int?.none) == "null")
        #expect(try json(["k": Int?.none]) == #"{"k":null}"#)
    }

    @Test("Foundation types: Date as RFC 3339 UTC, Data as base64, URL as string")
    func foundationTypes() throws {
        #expect(try json(Date(timeIntervalSince1970: 0)) == #""1970-01-01T00:00:00Z""#)
        #expect(try json(Date(timeIntervalSince1970: 1_709_222_398.25)) == #""2024-02-29T15:59:58.25Z""#)
        #expect(try json(Data([0, 1, 2, 250])) == #""AAEC+g==""#)
        #expect(try json(URL(string: "https://example.com/a?b=c&d")!) == #""https://example.com/a?b=c\u0026d""#)
        #expect(try json(Decimal(string: "12.5")!) == "12.5")
        let date = try GoJSONDecoder().decode(Date.self, from: #""2024-02-29T23:59:58.123456789+08:00""#)
        #expect(abs(date.timeIntervalSince1970 - 1_709_222_398.123456789) < 1e-6)
        #expect(try GoJSONDecoder().decode(Data.self, from: #""AAEC+g==""#) == Data([0, 1, 2, 250]))
    }

    /// A type writing its members by hand through nested and super encoders.
    struct Handwritten: Encodable {
        enum Key: String, CodingKey { case b, a, inner, list, base }
        enum InnerKey: String, CodingKey { case y, x }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(1, forKey: .b)
            var inner = c.nestedContainer(keyedBy: InnerKey.self, forKey: .inner)
            try inner.encode("y", forKey: .y)
            try inner.encodeNil(forKey: .x)
            var list = c.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1.5)
            var listInner = list.nestedContainer(keyedBy: InnerKey.self)
            try listInner.encode(true, forKey: .x)
            try c.encode("a", forKey: .a)
            try "from super".encode(to: c.superEncoder(forKey: .base))
            try 7.encode(to: c.superEncoder())
        }
    }

    @Test("Nested containers and super encoders keep insertion order")
    func nested() throws {
        #expect(try json(Handwritten())
            == #"{"b":1,"inner":{"y":"y","x":null},"list":[1.5,{"x":true}],"a":"a","base":"from super","super":7}"#)
    }

    @Test("An encode(to:) that writes nothing gives {}")
    func emptyValue() throws {
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(try json(Nothing()) == "{}")
        #expect(try json([Nothing()]) == "[{}]")
        #expect(try encoder.encodeToData([1]) == Data("[1]".utf8))
    }
}
