/// The tree ``GoJSONEncoder`` builds before writing bytes.
///
/// Containers are reference types so that nested containers and super encoders can keep
/// writing into a place their parent already holds. Objects remember insertion order (Go writes
/// struct fields in declaration order) and, for Swift dictionaries, are written with sorted keys
/// (Go writes map keys sorted).
enum GoJSONNode {
    case null
    case bool(Bool)
    /// The number exactly as it will be written.
    case number(String)
    case string(String)
    case array(GoJSONArrayBox)
    case object(GoJSONObjectBox)
}

/// A place in the tree that a value is (or will be) encoded into.
final class GoJSONSlot {
    /// `nil` while nothing was encoded; written as `{}` (as Foundation's encoder does).
    var node: GoJSONNode?

    init(_ node: GoJSONNode? = nil) { self.node = node }
}

/// The elements of a JSON array under construction.
final class GoJSONArrayBox {
    var items: [GoJSONSlot] = []
}

/// The members of a JSON object under construction, in insertion order.
final class GoJSONObjectBox {
    /// Whether keys are written sorted (a Go map) rather than in insertion order (a Go struct).
    let sortsKeys: Bool
    private(set) var keys: [String] = []
    private(set) var slots: [String: GoJSONSlot] = [:]

    init(sortsKeys: Bool) { self.sortsKeys = sortsKeys }

    /// The slot for `key`: the existing one, or a new one appended at the end.
    func slot(forKey key: String) -> GoJSONSlot {
        if let slot = slots[key] { return slot }
        let slot = GoJSONSlot()
        keys.append(key)
        slots[key] = slot
        return slot
    }

    /// Keys in the order they are written.
    var orderedKeys: [String] {
        guard sortsKeys else { return keys }
        // Go compares map keys as byte strings, which is UTF-8 code unit order.
        return keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
