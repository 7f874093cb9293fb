#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Marks the types whose keyed containers are Go maps (written with sorted keys): `Dictionary`.
protocol GoJSONMapMarker {}
extension Dictionary: GoJSONMapMarker {}

/// A coding key for array positions and `super`.
struct GoJSONCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    static let superKey = GoJSONCodingKey(stringValue: "super")
}

/// The `Encoder` behind ``GoJSONEncoder``: builds a ``GoJSONNode`` tree in a slot.
final class GoJSONEncoderImpl: Encoder {
    struct Options {
        var nilEncoding: GoJSONEncoder.NilEncoding
        var userInfo: [CodingUserInfoKey: any Sendable]
    }

    let slot: GoJSONSlot
    let codingPath: [any CodingKey]
    let options: Options
    /// Whether a keyed container created here is a Go map (sorted keys).
    let isMap: Bool

    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    init(slot: GoJSONSlot, codingPath: [any CodingKey], options: Options, isMap: Bool) {
        self.slot = slot
        self.codingPath = codingPath
        self.options = options
        self.isMap = isMap
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: GoJSONObjectBox
        if case .object(let existing)? = slot.node {
            box = existing
        } else {
            box = GoJSONObjectBox(sortsKeys: isMap)
            slot.node = .object(box)
        }
        return KeyedEncodingContainer(GoJSONKeyedContainer<Key>(encoder: self, box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: GoJSONArrayBox
        if case .array(let existing)? = slot.node {
            box = existing
        } else {
            box = GoJSONArrayBox()
            slot.node = .array(box)
        }
        return GoJSONUnkeyedContainer(encoder: self, box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        GoJSONSingleValueContainer(encoder: self)
    }

    /// Encodes `value` into `slot`, handling the Foundation types Go has its own encoding for.
    func encodeValue<T: Encodable>(_ value: T, into slot: GoJSONSlot, codingPath: [any CodingKey]) throws {
        switch value {
        case let string as String:
            slot.node = .string(string)
        case let bool as Bool:
            slot.node = .bool(bool)
        case let int as Int:
            slot.node = .number(String(int))
        case let int as Int64:
            slot.node = .number(String(int))
        case let double as Double:
            slot.node = try number(double, codingPath: codingPath)
        case let date as Date:
            let time = GoTime(date: date)
            guard let text = time.marshalText else {
                throw EncodingError.invalidValue(value, .init(
                    codingPath: codingPath,
                    debugDescription: "Date \(date) has a year outside 0...9999, which Go refuses to marshal"))
            }
            slot.node = .string(text)
        case let data as Data:
            slot.node = .string(data.base64EncodedString())
        case let url as URL:
            slot.node = .string(url.absoluteString)
        case let decimal as Decimal:
            guard decimal.isFinite else {
                throw EncodingError.invalidValue(value, .init(
                    codingPath: codingPath, debugDescription: "Decimal NaN cannot be written as JSON"))
            }
            slot.node = .number(decimal.description)
        default:
            let encoder = GoJSONEncoderImpl(
                slot: slot, codingPath: codingPath, options: options, isMap: value is any GoJSONMapMarker)
            try value.encode(to: encoder)
        }
    }

    func number(_ value: Double, codingPath: [any CodingKey]) throws -> GoJSONNode {
        guard let text = GoJSONNumberFormat.format(value) else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: codingPath, debugDescription: "\(value) cannot be written as JSON (Go refuses it too)"))
        }
        return .number(text)
    }

    func number(_ value: Float, codingPath: [any CodingKey]) throws -> GoJSONNode {
        guard let text = GoJSONNumberFormat.format(value) else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: codingPath, debugDescription: "\(value) cannot be written as JSON (Go refuses it too)"))
        }
        return .number(text)
    }
}

struct GoJSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: GoJSONEncoderImpl
    let box: GoJSONObjectBox
    let codingPath: [any CodingKey]

    private func set(_ node: GoJSONNode, forKey key: Key) {
        box.slot(forKey: key.stringValue).node = node
    }

    /// What `encodeIfPresent` does with `nil`: `null` (Go) or nothing (Foundation).
    private mutating func encodeAbsent(forKey key: Key) throws {
        if encoder.options.nilEncoding == .null { set(.null, forKey: key) }
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, forKey: key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let slot = box.slot(forKey: key.stringValue)
        try encoder.encodeValue(value, into: slot, codingPath: codingPath + [key])
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(try encoder.number(value, codingPath: codingPath + [key]), forKey: key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(try encoder.number(value, codingPath: codingPath + [key]), forKey: key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { set(.number(String(value)), forKey: key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int128?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt128?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeAbsent(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = GoJSONEncoderImpl(
            slot: box.slot(forKey: key.stringValue), codingPath: codingPath + [key],
            options: encoder.options, isMap: false)
        return nested.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = GoJSONEncoderImpl(
            slot: box.slot(forKey: key.stringValue), codingPath: codingPath + [key],
            options: encoder.options, isMap: false)
        return nested.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        GoJSONEncoderImpl(
            slot: box.slot(forKey: GoJSONCodingKey.superKey.stringValue),
            codingPath: codingPath + [GoJSONCodingKey.superKey], options: encoder.options, isMap: false)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        GoJSONEncoderImpl(
            slot: box.slot(forKey: key.stringValue), codingPath: codingPath + [key],
            options: encoder.options, isMap: false)
    }
}

struct GoJSONUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: GoJSONEncoderImpl
    let box: GoJSONArrayBox
    let codingPath: [any CodingKey]

    var count: Int { box.items.count }

    private var nextIndexKey: GoJSONCodingKey { GoJSONCodingKey(intValue: box.items.count) }

    private func append(_ node: GoJSONNode) { box.items.append(GoJSONSlot(node)) }

    private func appendSlot() -> GoJSONSlot {
        let slot = GoJSONSlot()
        box.items.append(slot)
        return slot
    }

    mutating func encodeNil() throws { append(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [nextIndexKey]
        try encoder.encodeValue(value, into: appendSlot(), codingPath: path)
    }

    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try encoder.number(value, codingPath: codingPath + [nextIndexKey])) }
    mutating func encode(_ value: Float) throws { append(try encoder.number(value, codingPath: codingPath + [nextIndexKey])) }
    mutating func encode(_ value: Int) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { append(.number(String(value))) }
    mutating func encode(_ value: Int128) throws { append(.number(String(value))) }
    mutating func encode(_ value: UInt128) throws { append(.number(String(value))) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [nextIndexKey]
        return GoJSONEncoderImpl(slot: appendSlot(), codingPath: path, options: encoder.options, isMap: false)
            .container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [nextIndexKey]
        return GoJSONEncoderImpl(slot: appendSlot(), codingPath: path, options: encoder.options, isMap: false)
            .unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = codingPath + [nextIndexKey]
        return GoJSONEncoderImpl(slot: appendSlot(), codingPath: path, options: encoder.options, isMap: false)
    }
}

struct GoJSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: GoJSONEncoderImpl

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.slot.node = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.encodeValue(value, into: encoder.slot, codingPath: codingPath)
    }

    mutating func encode(_ value: Bool) throws { encoder.slot.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.slot.node = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.slot.node = try encoder.number(value, codingPath: codingPath) }
    mutating func encode(_ value: Float) throws { encoder.slot.node = try encoder.number(value, codingPath: codingPath) }
    mutating func encode(_ value: Int) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: Int128) throws { encoder.slot.node = .number(String(value)) }
    mutating func encode(_ value: UInt128) throws { encoder.slot.node = .number(String(value)) }
}
