import CSQLite
import GTA

/// Reads the rows of one statement: column names once, values by storage class, and text in a
/// column declared `DATE`, `DATETIME` or `TIMESTAMP` as a date (``SQLiteDateText``).
struct SQLiteColumnReader {
    let columns: GTAColumns
    let isDateColumn: [Bool]
    let zone: CivilTimeZone

    init(_ statement: OpaquePointer, zone: CivilTimeZone) {
        let count = sqlite3_column_count(statement)
        var names: [String] = []
        var dates: [Bool] = []
        for i in 0..<count {
            names.append(sqlite3_column_name(statement, i).map { String(cString: $0) } ?? "column\(i + 1)")
            let declared = sqlite3_column_decltype(statement, i).map { String(cString: $0).uppercased() } ?? ""
            dates.append(declared.contains("DATE") || declared.contains("TIMESTAMP"))
        }
        self.columns = GTAColumns(names)
        self.isDateColumn = dates
        self.zone = zone
    }

    func row(_ statement: OpaquePointer) -> GTARow {
        var values: [GTAValue] = []
        values.reserveCapacity(isDateColumn.count)
        for i in 0..<isDateColumn.count {
            let index = Int32(i)
            switch sqlite3_column_type(statement, index) {
            case SQLITE_INTEGER:
                values.append(.int(sqlite3_column_int64(statement, index)))
            case SQLITE_FLOAT:
                values.append(.double(sqlite3_column_double(statement, index)))
            case SQLITE_TEXT:
                let count = Int(sqlite3_column_bytes(statement, index))
                let text = sqlite3_column_text(statement, index).map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                } ?? ""
                if isDateColumn[i], let date = SQLiteDateText.parse(text, in: zone) {
                    values.append(.date(date))
                } else {
                    values.append(.string(text))
                }
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(statement, index))
                if count > 0, let blob = sqlite3_column_blob(statement, index) {
                    values.append(.bytes(Array(UnsafeRawBufferPointer(start: blob, count: count))))
                } else {
                    values.append(.bytes([]))
                }
            default:
                values.append(.null)
            }
        }
        return GTARow(columns: columns, values: values)
    }
}
