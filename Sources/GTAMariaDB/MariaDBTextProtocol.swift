import CMariaDB
import GTA

/// The text protocol (`mysql_real_query`): statements without parameters that the server cannot
/// prepare, transaction control and the session setup. Values are converted by column type, as
/// the binary protocol's are.
///
/// Used only on the connection's thread, with its handle.
enum MariaDBTextProtocol {
    /// Runs `sql`; returns what it did and, when `wantRows`, the first result set's rows.
    static func run(
        _ h: UnsafeMutablePointer<MYSQL>, _ sql: String, wantRows: Bool, kind: MariaDBError.Kind, time: MariaDBTime
    ) throws -> (GTAExecuteResult, [GTARow]) {
        if mysql_real_query(h, sql, UInt(sql.utf8.count)) != 0 {
            throw MariaDBError.from(h, kind: kind)
        }
        var outcome = (GTAExecuteResult(rowsAffected: 0), [GTARow]())
        var first = true
        while true {
            if mysql_field_count(h) == 0 {
                if first {
                    let affected = mysql_affected_rows(h)
                    outcome.0 = GTAExecuteResult(
                        rowsAffected: affected == UInt64.max ? 0 : Int(clamping: affected),
                        lastInsertID: mysql_insert_id(h)
                    )
                }
            } else {
                guard let result = mysql_store_result(h) else { throw MariaDBError.from(h, kind: .fetch) }
                defer { mysql_free_result(result) }
                if first && wantRows { outcome.1 = decode(result, time: time) }
            }
            first = false
            let next = mysql_next_result(h)
            if next == -1 { break }
            if next > 0 { throw MariaDBError.from(h, kind: kind) }
        }
        return outcome
    }

    private static func decode(_ result: UnsafeMutablePointer<MYSQL_RES>, time: MariaDBTime) -> [GTARow] {
        let count = Int(mysql_num_fields(result))
        let fields = mysql_fetch_fields(result)!
        let columns = GTAColumns((0..<count).map { String(cString: fields[$0].name) })
        let kinds = (0..<count).map { MariaDBStatement.kind(of: fields[$0]) }
        var rows: [GTARow] = []
        while let row = mysql_fetch_row(result) {
            let lengths = mysql_fetch_lengths(result)!
            var values: [GTAValue] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                guard let cell = row[i] else { values.append(.null); continue }
                let bytes = UnsafeRawBufferPointer(start: cell, count: Int(lengths[i]))
                if kinds[i] == .bytes { values.append(.bytes([UInt8](bytes))); continue }
                let text = String(decoding: bytes, as: UTF8.self)
                switch kinds[i] {
                case .signed: values.append(Int64(text).map(GTAValue.int) ?? .string(text))
                case .unsigned: values.append(UInt64(text).map(GTAValue.uint) ?? .string(text))
                case .double: values.append(Double(text).map(GTAValue.double) ?? .string(text))
                case .dateTime:
                    if text.hasPrefix("0000-00-00") { values.append(.null) } else {
                        values.append(time.date(text: text).map(GTAValue.date) ?? .string(text))
                    }
                case .null: values.append(.null)
                default: values.append(.string(text))
                }
            }
            rows.append(GTARow(columns: columns, values: values))
        }
        return rows
    }
}
