import CSQLite
import GTA

/// Binds ``GTAValue``s to statement parameters: integers, doubles and blobs as they are, a bool
/// as 0 or 1, a date as ``SQLiteDateText`` in the configured zone.
enum SQLiteBinding {
    static func bind(
        _ value: GTAValue, at index: Int32, of statement: OpaquePointer, db: OpaquePointer, zone: CivilTimeZone, sql: String
    ) throws {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(statement, index)
        case .int(let v):
            rc = sqlite3_bind_int64(statement, index, v)
        case .uint(let v):
            guard let signed = Int64(exactly: v) else {
                throw SQLiteError(
                    extendedResultCode: SQLiteError.Code.mismatch,
                    message: "parameter \(index): the unsigned value \(v) is larger than \(Int64.max), the largest SQLite INTEGER",
                    context: "cannot bind values",
                    sql: sql
                )
            }
            rc = sqlite3_bind_int64(statement, index, signed)
        case .bool(let v):
            rc = sqlite3_bind_int64(statement, index, v ? 1 : 0)
        case .double(let v):
            rc = sqlite3_bind_double(statement, index, v)
        case .string(let v):
            rc = bindText(v, at: index, of: statement)
        case .date(let v):
            rc = bindText(SQLiteDateText.format(v, in: zone), at: index, of: statement)
        case .bytes(let v):
            if v.isEmpty {
                rc = sqlite3_bind_zeroblob(statement, index, 0)
            } else {
                rc = v.withUnsafeBytes { sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), csqlite_transient()) }
            }
        }
        guard rc == SQLITE_OK else {
            throw SQLiteError.last(db, rc, context: "cannot bind parameter \(index)", sql: sql)
        }
    }

    private static func bindText(_ text: String, at index: Int32, of statement: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return sqlite3_bind_text(statement, index, "", 0, csqlite_transient())
            }
            let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            return sqlite3_bind_text64(statement, index, chars, UInt64(buffer.count), csqlite_transient(), UInt8(SQLITE_UTF8))
        }
    }
}
