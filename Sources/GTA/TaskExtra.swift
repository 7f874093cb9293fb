#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `extra` column: a JSON object. The Go original always writes `{}` and its `TaskExtra`
/// ignores fields it does not know, so this library keeps what it adds here.
///
/// Every row this library moves to `running` carries a lease: its ``owner`` (the instance running
/// it) and counts of what happened to it. Rows the Go original writes keep `{}`: they have no
/// owner and are never rescued. Stored as, for example:
///
/// ```json
/// {"owner":"m4f2a-9c31d7e0a1b2","runs":2,"attempts":4,"lost":1,"last_error":"timeout"}
/// ```
///
/// Reading accepts any JSON object (fields this version does not know are ignored); a value
/// that is not a JSON object reads as an empty extra.
public struct TaskExtra: Sendable, Hashable, Codable {
    /// The instance that holds the lease (set while `running`), or `nil` for a row without one.
    public var owner: String?
    /// How many times this library moved the row to `running`. The default is 0.
    public var runs: Int
    /// How many times the handler was tried, counted when a run ends in failure. The default is 0.
    public var attempts: Int
    /// How many times the row lost its worker (its lease expired and it was rescued). The default is 0.
    public var lost: Int
    /// The last error, at most ``maximumErrorLength`` UTF-8 bytes. The default is `nil`.
    public var lastError: String?

    /// The longest ``lastError`` kept, in UTF-8 bytes.
    public static let maximumErrorLength = 1024

    public init(owner: String? = nil, runs: Int = 0, attempts: Int = 0, lost: Int = 0, lastError: String? = nil) {
        self.owner = owner
        self.runs = runs
        self.attempts = attempts
        self.lost = lost
        self.lastError = lastError.map(Self.bounded)
    }

    enum CodingKeys: String, CodingKey {
        case owner, runs, attempts, lost
        case lastError = "last_error"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        owner = try? container.decodeIfPresent(String.self, forKey: .owner)
        runs = (try? container.decodeIfPresent(Int.self, forKey: .runs)) ?? 0
        attempts = (try? container.decodeIfPresent(Int.self, forKey: .attempts)) ?? 0
        lost = (try? container.decodeIfPresent(Int.self, forKey: .lost)) ?? 0
        lastError = try? container.decodeIfPresent(String.self, forKey: .lastError)
    }

    /// Writes `owner` first (the lease checks match the stored text's start), and only what is set.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let owner { try container.encode(owner, forKey: .owner) }
        if runs != 0 { try container.encode(runs, forKey: .runs) }
        if attempts != 0 { try container.encode(attempts, forKey: .attempts) }
        if lost != 0 { try container.encode(lost, forKey: .lost) }
        if let lastError { try container.encode(lastError, forKey: .lastError) }
    }

    /// The stored form of a row without a lease: `{}`, as the Go original writes.
    static let json: [UInt8] = Array("{}".utf8)

    /// The stored form, as text (SQLite's `LIKE` does not look into a blob).
    var stored: GTAValue {
        // A fresh lease (what every claim writes): the encoder's output, written directly when
        // the owner needs no escaping.
        if let owner, attempts == 0, lost == 0, lastError == nil, runs >= 0,
            owner.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "-") })
        {
            return .string(runs == 0 ? #"{"owner":""# + owner + #""}"# : #"{"owner":""# + owner + #"","runs":"# + String(runs) + "}")
        }
        return .string(String(decoding: (try? GoJSONEncoder().encode(self)) ?? Self.json, as: UTF8.self))
    }

    /// The stored form of `{}`.
    static let empty: GTAValue = .string("{}")

    /// Reads a stored value; `NULL`, text that is not JSON, or JSON that is not an object read as
    /// an empty extra (the Go original would fail on them; this library never does).
    package static func read(_ bytes: [UInt8]?) -> TaskExtra {
        guard let bytes, !bytes.isEmpty else { return TaskExtra() }
        // `{}`, what the Go original and a fresh row hold: nothing to decode.
        if bytes.count == 2, bytes[0] == UInt8(ascii: "{"), bytes[1] == UInt8(ascii: "}") { return TaskExtra() }
        return (try? GoJSONDecoder().decode(TaskExtra.self, from: bytes)) ?? TaskExtra()
    }

    /// `text` cut to at most ``maximumErrorLength`` UTF-8 bytes, on a character boundary.
    static func bounded(_ text: String) -> String {
        guard text.utf8.count > maximumErrorLength else { return text }
        var result = ""
        for character in text {
            if result.utf8.count + character.utf8.count > maximumErrorLength - 3 { break }
            result.append(character)
        }
        return result + "..."
    }
}

/// The identity an instance writes into the leases it holds.
package struct LeaseOwner: Sendable, Hashable {
    /// Lower-case hex and `-` only, so that it is safe inside a `LIKE` pattern.
    let id: String

    /// A new identity: the process id and 48 random bits.
    static func make() -> LeaseOwner {
        let pid = String(ProcessInfo.processInfo.processIdentifier, radix: 16)
        let random = String(UInt64.random(in: 0..<(1 << 48)), radix: 16)
        return LeaseOwner(id: "p\(pid)-\(String(repeating: "0", count: 12 - random.count))\(random)")
    }

    /// The `LIKE` pattern of the rows whose lease this owner holds.
    var pattern: String { "{\"owner\":\"\(id)\"%" }

    /// The `LIKE` pattern of rows with any lease of this library.
    package static let anyLease = "{\"owner\":\"%"
}
