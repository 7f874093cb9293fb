import CSQLite

/// Prepared statements of one connection, keyed by their SQL, the least recently used
/// finalized first once the capacity is reached.
///
/// Not thread-safe: it belongs to a ``SQLiteConnection`` and is used only on its thread.
struct StatementCache {
    private struct Entry {
        let statement: OpaquePointer
        var lastUse: UInt64
    }

    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0
    private let capacity: Int

    /// An empty cache of at most `capacity` statements (none when `capacity` is 0 or less).
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The cached statement for `sql`, marked as just used.
    mutating func statement(for sql: String) -> OpaquePointer? {
        guard var entry = entries[sql] else { return nil }
        clock += 1
        entry.lastUse = clock
        entries[sql] = entry
        return entry.statement
    }

    /// Keeps `statement` for `sql`. Returns `false`, keeping nothing, when the capacity is 0:
    /// the caller then finalizes the statement itself.
    mutating func insert(_ statement: OpaquePointer, for sql: String) -> Bool {
        guard capacity > 0 else { return false }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            sqlite3_finalize(oldest.value.statement)
            entries[oldest.key] = nil
        }
        clock += 1
        entries[sql] = Entry(statement: statement, lastUse: clock)
        return true
    }

    /// Finalizes every statement.
    mutating func removeAll() {
        for entry in entries.values {
            sqlite3_finalize(entry.statement)
        }
        entries = [:]
    }
}
