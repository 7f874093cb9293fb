import Foundation
import Testing
@testable import GTA

@Suite("JSONValue")
struct JSONValueTests {
    private func decode(_ text: String) throws -> JSONValue {
        try GoJSONDecoder().decode(JSONValue.self, from: text)
    }

    private func encode(_ value: JSONValue) throws -> String {
        try GoJSONEncoder().encodeToString(value)
    }

    @Test("Numbers keep their precision", arguments: [
        ("0", JSONValue.int(0)), ("-1", .int(-1)), ("42", .int(42)),
        ("1152921504606846976", .int(1 << 60)),
        ("9007199254740993", .int(9_007_199_254_740_993)),
        ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .uint(9_223_372_036_854_775_808)),
        ("18446744073709551615", .uint(.max)),
        ("18446744073709551616", .double(18_446_744_073_709_551_616)),
        ("1.5", .double(1.5)), ("-0.25", .double(-0.25)), ("1e+21", .double(1e21)), ("1e-7", .double(1e-7)),
        ("1.0", .int(1)), ("1e3", .int(1000)),
    ])
    func numbers(text: String, expected: JSONValue) throws {
        #expect(try decode(text) == expected)
    }

    @Test("Go-written JSON round-trips byte for byte", arguments: [
        "null", "true", "false", "0", "-7", "12.5", "1e+21", "1e-7", "18446744073709551615", #""""#,
        #""\u003cb\u003e \u2028 \"q\" \\ \n 🚀""#,
        "[]", "{}", #"[1,"two",true,null,[],{}]"#,
        #"{"a":{"b":{"c":[{"d":null}]}},"b":[1.5,-2]}"#,
        #"{"B":1,"a":2,"aa":3,"b":4,"é":5}"#,
    ])
    func roundTrip(text: String) throws {
        #expect(try encode(decode(text)) == text)
    }

    @Test("Objects are written with sorted keys")
    func sorted() throws {
        let value: JSONValue = ["zeta": 1, "alpha": [true, nil], "Mid": "x", "ü": 2.5, "a": ["z": 1, "b": 2]]
        #expect(try encode(value) == #"{"Mid":"x","a":{"b":2,"z":1},"alpha":[true,null],"zeta":1,"ü":2.5}"#)
        #expect(value.description == #"{"Mid":"x","a":{"b":2,"z":1},"alpha":[true,null],"zeta":1,"ü":2.5}"#)
    }

    @Test("Literals, subscripts and accessors")
    func access() throws {
        let value: JSONValue = [
            "s": "text", "i": 42, "d": 2.5, "b": true, "n": nil, "big": .uint(.max),
            "list": [1, "two", [3]], "obj": ["k": "v"], "whole": .double(3),
        ]
        #expect(value["s"]?.stringValue == "text")
        #expect(value["i"]?.intValue == 42)
        #expect(value["i"]?.doubleValue == 42)
        #expect(value["i"]?.uintValue == 42)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["d"]?.intValue == nil)
        #expect(value["whole"]?.intValue == 3)
        #expect(value["big"]?.intValue == nil)
        #expect(value["big"]?.uintValue == .max)
        #expect(value["b"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["list"]?[1]?.stringValue == "two")
        #expect(value["list"]?[2]?[0]?.intValue == 3)
        #expect(value["list"]?[3] == nil)
        #expect(value["list"]?[-1] == nil)
        #expect(value["list"]?.arrayValue?.count == 3)
        #expect(value["obj"]?.objectValue == ["k": "v"])
        #expect(value[0] == nil)
        #expect(JSONValue.string("x")["k"] == nil)
        #expect(JSONValue.int(-1).uintValue == nil)
        #expect(JSONValue.string("1").intValue == nil)
        #expect(JSONValue.null.isNull && !JSONValue.bool(false).isNull)
        #expect(JSONValue.bool(false).stringValue == nil)
    }

    @Test("Invalid JSON is refused")
    func invalid() {
        for text in ["", "{", "[1 2]", "nul", "{\"a\" 1}", "01x", "01", "\"\u{1}\"", "NaN", "[1]x"] {
            #expect(throws: DecodingError.self) { try decode(text) }
        }
    }

    @Test("Works as a field of typed arguments and with Foundation's encoder")
    func typed() throws {
        struct Wrapper: Codable, Equatable { var meta: [String: JSONValue]?; var any: JSONValue }
        let text = #"{"meta":{"z":[1],"a":null},"any":"x"}"#
        let wrapper = try GoJSONDecoder().decode(Wrapper.self, from: text)
        #expect(wrapper == Wrapper(meta: ["z": [1], "a": nil], any: "x"))
        #expect(try GoJSONEncoder().encodeToString(wrapper) == #"{"meta":{"a":null,"z":[1]},"any":"x"}"#)
        let viaFoundation = try JSONDecoder().decode(Wrapper.self, from: JSONEncoder().encode(wrapper))
        #expect(viaFoundation == wrapper)
    }
}
