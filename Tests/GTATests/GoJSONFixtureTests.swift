import Foundation
import Testing
@testable import GTA

/// The `argument` column of the rows the Go library wrote (fixtures/go-gta/rows.json), copied
/// byte for byte as literals; each test cites its row id.
enum GoFixtureArguments {
    /// Row 9999, `builtin:clean_up`.
    static let cleanUp = #"{"storage_timeout":3600000000000}"#
    /// Row 10000, `builtin:check_abnormal_task`.
    static let checkAbnormal =
        #"{"storage_timeout":3600000000000,"running_timeout":300000000000,"initialized_timeout":120000000000}"#
    /// Row 10001, `typed_arg`: Unicode note, +08:00 time with nine fraction digits.
    static let order1 =
        #"{"id":1001,"amount":12.5,"Note":"Grüße aus Zürich — 日本語 🚀👍🏽","paid":true,"tags":["vip","eu","ß"],"meta":{"count":3,"nested":{"list":[1,"two",true,null]},"none":null,"ratio":0.25,"source":"web"},"at":"2024-02-29T23:59:58.123456789+08:00","ptr":42}"#
    /// Row 10002, `typed_arg`: empty tags and meta, nil pointer.
    static let order2 =
        #"{"id":1002,"amount":0,"Note":"","paid":false,"tags":[],"meta":{},"at":"2025-01-01T00:00:00Z","ptr":null}"#
    /// Row 10003, `typed_arg`: 2^53+1, 1e+21, null slices, zero time, escapes.
    static let order3 =
        #"{"id":9007199254740993,"amount":1e+21,"Note":"quote \" backslash \\ \u003cb\u003e\u0026amp;\u003c/b\u003e tab\t newline\n ctrl\u0001 ls\u2028 end","paid":false,"tags":null,"meta":null,"at":"0001-01-01T00:00:00Z","ptr":0}"#
    /// Row 10006, `map_arg`: Go's map[string]interface{} with sorted keys.
    static let map1 =
        #"{"big":1152921504606846976,"email":"a@example.com","empty":{},"flags":["x",1.5,false],"html":"\u003cscript\u003e\u0026","nested":{"a":"first","z":1},"nothing":null,"user_id":42}"#
    /// Row 10007, `map_arg`.
    static let map2 = #"{}"#
    /// Rows 10008 to 10011, `ok_task`.
    static let pings = [
        #"{"seq":1,"msg":"gta.Transaction + RunWithTx (1/2)"}"#,
        #"{"seq":2,"msg":"gta.Transaction + RunWithTx (2/2)"}"#,
        #"{"seq":3,"msg":"Run"}"#,
        #"{"seq":4,"msg":"plain gorm tx + RunWithTx (scan path)"}"#,
    ]
    /// Row 10012, `fail_task`.
    static let boom = #"{"reason":"handler always returns an error"}"#
}

/// Go's `Order` from the fixture program, field for field.
struct GoFixtureOrder: Codable, Equatable {
    var id: Int64
    var amount: Double
    var note: String
    var paid: Bool
    var tags: [String]?
    var meta: [String: JSONValue]?
    var at: GoTime
    var ptr: Int?

    enum CodingKeys: String, CodingKey {
        case id, amount, note = "Note", paid, tags, meta, at, ptr
    }
}

struct GoFixturePing: Codable, Equatable {
    var seq: Int
    var msg: String
}

struct GoFixtureBoom: Codable, Equatable {
    var reason: String
}

/// gta's `checkAbnormalTaskArg` / `cleanUpTaskArg`, durations as Go nanoseconds.
struct GoFixtureBuiltinArgument: Codable, Equatable {
    var storageTimeout: Duration
    var runningTimeout: Duration?
    var initializedTimeout: Duration?

    enum CodingKeys: String, CodingKey {
        case storageTimeout = "storage_timeout", runningTimeout = "running_timeout"
        case initializedTimeout = "initialized_timeout"
    }

    init(storageTimeout: Duration, runningTimeout: Duration? = nil, initializedTimeout: Duration? = nil) {
        self.storageTimeout = storageTimeout
        self.runningTimeout = runningTimeout
        self.initializedTimeout = initializedTimeout
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        storageTimeout = Duration(goNanoseconds: try c.decode(Int64.self, forKey: .storageTimeout))
        runningTimeout = try c.decodeIfPresent(Int64.self, forKey: .runningTimeout).map(Duration.init(goNanoseconds:))
        initializedTimeout = try c.decodeIfPresent(Int64.self, forKey: .initializedTimeout)
            .map(Duration.init(goNanoseconds:))
    }

    func encode(to encoder: any Encoder) throws {
        // Two Go structs: clean_up has only storage_timeout, so absent fields are left out.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(storageTimeout.goNanoseconds, forKey: .storageTimeout)
        if let runningTimeout { try c.encode(runningTimeout.goNanoseconds, forKey: .runningTimeout) }
        if let initializedTimeout { try c.encode(initializedTimeout.goNanoseconds, forKey: .initializedTimeout) }
    }
}

@Suite("Go fixture arguments")
struct GoJSONFixtureTests {
    let decoder = GoJSONDecoder()
    let encoder = GoJSONEncoder()

    private func reencode<T: Codable>(_ type: T.Type, _ json: String) throws -> (T, String) {
        let value = try decoder.decode(type, from: Array(json.utf8))
        let bytes = try encoder.encode(value)
        return (value, String(decoding: bytes, as: UTF8.self))
    }

    @Test("Row 10001: Unicode, nested meta, nanosecond time at +08:00")
    func order10001() throws {
        let (order, again) = try reencode(GoFixtureOrder.self, GoFixtureArguments.order1)
        #expect(order.id == 1001)
        #expect(order.amount == 12.5)
        #expect(order.note == "Grüße aus Zürich — 日本語 🚀👍🏽")
        #expect(order.note.unicodeScalars.map(\.value).suffix(3) == [0x1F680, 0x1F44D, 0x1F3FD])
        #expect(order.paid)
        #expect(order.tags == ["vip", "eu", "ß"])
        #expect(order.meta == [
            "count": .int(3),
            "nested": ["list": [1, "two", true, nil]],
            "none": .null,
            "ratio": .double(0.25),
            "source": "web",
        ])
        #expect(order.at.secondsSinceEpoch == 1_709_222_398)
        #expect(order.at.nanoseconds == 123_456_789)
        #expect(order.at.utcOffset == 8 * 3600)
        #expect(order.ptr == 42)
        #expect(again == GoFixtureArguments.order1)
    }

    @Test("Row 10002: empty slice and map, zero amount, nil pointer")
    func order10002() throws {
        let (order, again) = try reencode(GoFixtureOrder.self, GoFixtureArguments.order2)
        #expect(order == GoFixtureOrder(
            id: 1002, amount: 0, note: "", paid: false, tags: [], meta: [:],
            at: GoTime(secondsSinceEpoch: 1_735_689_600), ptr: nil))
        #expect(order.at.nanoseconds == 0 && order.at.utcOffset == 0)
        #expect(again == GoFixtureArguments.order2)
    }

    @Test("Row 10003: 2^53+1, 1e+21, null slices, zero time, escapes")
    func order10003() throws {
        let (order, again) = try reencode(GoFixtureOrder.self, GoFixtureArguments.order3)
        #expect(order.id == 9_007_199_254_740_993)
        #expect(order.id == (1 << 53) + 1)
        #expect(order.amount == 1e21)
        #expect(order.note == "quote \" backslash \\ <b>&amp;</b> tab\t newline\n ctrl\u{1} ls\u{2028} end")
        #expect(order.paid == false)
        #expect(order.tags == nil)
        #expect(order.meta == nil)
        #expect(order.at == .zero)
        #expect(order.at.isZero)
        #expect(order.at.secondsSinceEpoch == -62_135_596_800)
        #expect(order.ptr == 0)
        #expect(again == GoFixtureArguments.order3)
    }

    @Test("Rows 10006 and 10007: untyped maps keep exact integers and re-encode sorted")
    func mapArguments() throws {
        let (value, again) = try reencode(JSONValue.self, GoFixtureArguments.map1)
        #expect(value["big"] == .int(1 << 60))
        #expect(value["email"] == "a@example.com")
        #expect(value["empty"] == .object([:]))
        #expect(value["flags"] == ["x", .double(1.5), false])
        #expect(value["html"]?.stringValue == "<script>&")
        #expect(value["nested"] == ["a": "first", "z": 1])
        #expect(value["nothing"]?.isNull == true)
        #expect(value["user_id"]?.intValue == 42)
        #expect(value.objectValue?.count == 8)
        #expect(again == GoFixtureArguments.map1)

        let (empty, emptyAgain) = try reencode(JSONValue.self, GoFixtureArguments.map2)
        #expect(empty == .object([:]))
        #expect(emptyAgain == "{}")
        // As a typed Swift dictionary too.
        let (dictionary, dictionaryAgain) = try reencode([String: JSONValue].self, GoFixtureArguments.map1)
        #expect(dictionary.count == 8)
        #expect(dictionaryAgain == GoFixtureArguments.map1)
    }

    @Test("Rows 10008-10012: Ping and Boom")
    func pingAndBoom() throws {
        for (index, json) in GoFixtureArguments.pings.enumerated() {
            let (ping, again) = try reencode(GoFixturePing.self, json)
            #expect(ping.seq == index + 1)
            #expect(again == json)
        }
        let (ping, _) = try reencode(GoFixturePing.self, GoFixtureArguments.pings[2])
        #expect(ping == GoFixturePing(seq: 3, msg: "Run"))
        let (boom, again) = try reencode(GoFixtureBoom.self, GoFixtureArguments.boom)
        #expect(boom.reason == "handler always returns an error")
        #expect(again == GoFixtureArguments.boom)
    }

    @Test("Rows 9999 and 10000: built-in arguments with nanosecond durations")
    func builtinArguments() throws {
        let (cleanUp, cleanUpAgain) = try reencode(GoFixtureBuiltinArgument.self, GoFixtureArguments.cleanUp)
        #expect(cleanUp == GoFixtureBuiltinArgument(storageTimeout: .seconds(3600)))
        #expect(cleanUpAgain == GoFixtureArguments.cleanUp)

        let (check, checkAgain) = try reencode(GoFixtureBuiltinArgument.self, GoFixtureArguments.checkAbnormal)
        #expect(check == GoFixtureBuiltinArgument(
            storageTimeout: .seconds(3600), runningTimeout: .seconds(300), initializedTimeout: .seconds(120)))
        #expect(checkAgain == GoFixtureArguments.checkAbnormal)

        // Built from Swift values, not decoded ones.
        let built = try encoder.encodeToString(GoFixtureBuiltinArgument(
            storageTimeout: .seconds(3600), runningTimeout: .seconds(300), initializedTimeout: .seconds(120)))
        #expect(built == GoFixtureArguments.checkAbnormal)
    }

    @Test("Context and extra columns")
    func contextAndExtra() throws {
        struct RequestContext: Codable, Equatable {
            var requestID: String?
            enum CodingKeys: String, CodingKey { case requestID = "request_id" }
        }
        struct Extra: Codable {}
        let context = try decoder.decode(RequestContext.self, from: #"{"request_id":"req-typed-1"}"#)
        #expect(context.requestID == "req-typed-1")
        #expect(try decoder.decode(RequestContext.self, from: "{}").requestID == nil)
        #expect(try GoJSONEncoder(nilEncoding: .omit).encodeToString(RequestContext(requestID: nil)) == "{}")
        #expect(try encoder.encodeToString(context) == #"{"request_id":"req-typed-1"}"#)
        #expect(try encoder.encodeToString(Extra()) == "{}")
    }
}
