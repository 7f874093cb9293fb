#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads task rows without ever letting one bad row stop the rest.
///
/// A row any column of which does not decode (a zero or `NULL` date, a `NULL` key, text that is
/// not UTF-8, a non-JSON `extra`) is read with what can be read; every column that could not be
/// read is named in ``TaskRecord/problems``. Only a row without a readable id is dropped (there is
/// nothing to name it by); the reader reports it.
package enum TaskRowReader {
    /// The row as far as it reads, or `nil` when even its id does not.
    package static func read(_ row: GTARow) -> TaskRecord? {
        guard let id = try? row.decode(UInt64.self, "id") else { return nil }
        var problems: [String] = []
        func column<T: GTAValueConvertible>(_ type: T.Type, _ name: String, _ fallback: T) -> T {
            do {
                return try row.decode(type, name)
            } catch {
                problems.append("\(name): \(error)")
                return fallback
            }
        }
        let key = column(String?.self, "task_key", nil)
        if key == nil { problems.append("task_key: NULL") }
        let status = column(String?.self, "task_status", nil)
        if status == nil { problems.append("task_status: NULL") }
        let created = column(Date?.self, "created_at", nil)
        if created == nil, !problems.contains(where: { $0.hasPrefix("created_at") }) { problems.append("created_at: NULL") }
        let updated = column(Date?.self, "updated_at", nil)
        if updated == nil, !problems.contains(where: { $0.hasPrefix("updated_at") }) { problems.append("updated_at: NULL") }
        var record = TaskRecord(
            id: id,
            taskKey: TaskKey(key ?? ""),
            taskStatus: TaskStatus(rawValue: status ?? ""),
            context: column([UInt8]?.self, "context", nil),
            argument: column([UInt8]?.self, "argument", nil),
            extra: TaskExtra.read(column([UInt8]?.self, "extra", nil)),
            createdAt: created ?? Date(timeIntervalSince1970: 0),
            updatedAt: updated ?? Date(timeIntervalSince1970: 0)
        )
        if row["run_at"] != nil, let runAt = (try? row.decode(Date?.self, "run_at")) ?? nil, runAt > record.createdAt {
            // The column's default (a Go row) and an immediate row's creation time read as "due since created".
            record.runAt = runAt
        }
        if row["unique_key"] != nil { record.uniqueKey = (try? row.decode(String?.self, "unique_key")) ?? nil }
        record.problems = problems
        return record
    }

    /// Every row that has an id, in order; the id-less ones are counted in `dropped`.
    package static func readAll(_ rows: [GTARow]) -> (records: [TaskRecord], dropped: Int) {
        var records: [TaskRecord] = []
        records.reserveCapacity(rows.count)
        var dropped = 0
        for row in rows {
            if let record = read(row) { records.append(record) } else { dropped += 1 }
        }
        return (records, dropped)
    }
}
