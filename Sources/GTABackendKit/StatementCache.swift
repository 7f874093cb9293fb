/// Prepared statements of one connection, keyed by their SQL; once `capacity` statements or
/// `weightLimit` in weight (a backend's measure of a statement's memory, such as its parameter
/// count) is reached, the least recently used ones are discarded to make room.
///
/// A lookup, an insert and an eviction each cost a dictionary operation: the entries form a
/// list from the most to the least recently used, linked by their slots in one array.
///
/// Not thread-safe: it belongs to one connection and is used only on that connection's thread.
package struct StatementCache<Statement> {
    private struct Entry {
        let sql: String
        var statement: Statement
        var weight: Int
        /// The slots of the next more and the next less recently used entries, or -1.
        var newer: Int
        var older: Int
    }

    /// The most statements kept (none when 0).
    package let capacity: Int
    /// The most total weight kept; a statement heavier than this alone is not kept.
    package let weightLimit: Int
    /// The total weight of the statements kept.
    package private(set) var weight = 0
    private let discard: (Statement) -> Void
    private var slots: [String: Int] = [:]
    private var entries: [Entry] = []
    private var newest = -1
    private var oldest = -1

    /// An empty cache of at most `capacity` statements (none when `capacity` is 0 or less).
    /// `discard` finalizes a statement the cache lets go of (evicted, replaced or removed); leave
    /// it out for statements that close themselves when released.
    /// `weightLimit` bounds the total weight given to ``insert(_:for:weight:)``; the default
    /// `Int.max` bounds nothing.
    package init(capacity: Int, weightLimit: Int = .max, discard: @escaping (Statement) -> Void = { _ in }) {
        self.capacity = max(0, capacity)
        self.weightLimit = max(0, weightLimit)
        self.discard = discard
    }

    /// How many statements the cache holds.
    package var count: Int { slots.count }

    /// The SQL texts from the most to the least recently used.
    package var keysByRecency: [String] {
        var keys: [String] = []
        var slot = newest
        while slot >= 0 {
            keys.append(entries[slot].sql)
            slot = entries[slot].older
        }
        return keys
    }

    /// The cached statement for `sql`, marked as just used.
    package mutating func statement(for sql: String) -> Statement? {
        guard let slot = slots[sql] else { return nil }
        unlink(slot)
        linkAsNewest(slot)
        return entries[slot].statement
    }

    /// Keeps `statement` for `sql`, discarding the least recently used ones while the cache is
    /// full or the total weight would pass the limit (and a statement already kept for `sql`).
    /// Returns `false`, keeping nothing, when the capacity is 0 or `weight` alone passes the
    /// limit: the caller then still owns the statement.
    package mutating func insert(_ statement: Statement, for sql: String, weight: Int = 0) -> Bool {
        guard capacity > 0, weight <= weightLimit else { return false }
        remove(sql)
        while !slots.isEmpty && (slots.count >= capacity || self.weight + weight > weightLimit) {
            remove(entries[oldest].sql)
        }
        let slot = entries.count
        entries.append(Entry(sql: sql, statement: statement, weight: weight, newer: -1, older: -1))
        slots[sql] = slot
        self.weight += weight
        linkAsNewest(slot)
        return true
    }

    /// Discards the statement kept for `sql`, if any (one the server no longer knows, say).
    package mutating func remove(_ sql: String) {
        guard let slot = slots.removeValue(forKey: sql) else { return }
        unlink(slot)
        weight -= entries[slot].weight
        discard(entries[slot].statement)
        // Keep the slots dense: move the last entry into the freed one.
        let last = entries.count - 1
        if slot != last {
            let moved = entries[last]
            entries[slot] = moved
            slots[moved.sql] = slot
            if moved.newer >= 0 { entries[moved.newer].older = slot } else { newest = slot }
            if moved.older >= 0 { entries[moved.older].newer = slot } else { oldest = slot }
        }
        entries.removeLast()
    }

    /// Discards every statement.
    package mutating func removeAll() {
        for entry in entries { discard(entry.statement) }
        entries = []
        slots = [:]
        weight = 0
        newest = -1
        oldest = -1
    }

    private mutating func unlink(_ slot: Int) {
        let (newer, older) = (entries[slot].newer, entries[slot].older)
        if newer >= 0 { entries[newer].older = older } else { newest = older }
        if older >= 0 { entries[older].newer = newer } else { oldest = newer }
        entries[slot].newer = -1
        entries[slot].older = -1
    }

    private mutating func linkAsNewest(_ slot: Int) {
        entries[slot].older = newest
        entries[slot].newer = -1
        if newest >= 0 { entries[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
