import Foundation
import Testing

@testable import GTA

@Suite struct TableNameTests {
    @Test(arguments: ["tasks", "gta_tasks", "T1", "app.tasks", "a$b", String(repeating: "x", count: 64)])
    func acceptsValidNames(_ raw: String) throws {
        let name = try TableName(raw)
        #expect(name.description == raw)
    }

    @Test(arguments: [
        "", "tasks; DROP TABLE x", "`tasks`", "ta`sks", "ta\"sks", "ta'sks", "tasks ", " tasks", "a.b.c", ".tasks", "tasks.",
        String(repeating: "x", count: 65), "täsks", "123", "tasks--", "tasks/*", "t\u{0}",
    ])
    func rejectsInvalidNames(_ raw: String) {
        #expect(throws: GTAError.invalidTableName) { try TableName(raw) }
    }

    @Test func errorSaysWhatIsWrong() {
        do {
            _ = try TableName("tasks; DROP TABLE x")
            Issue.record("no error")
        } catch let error as GTAError {
            #expect(error.code == .invalidTableName)
            #expect(error.message.contains("';'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: GTAError.invalidTableName) { try TableName("") }
    }

    @Test func quotedByTheDialect() throws {
        let dialect = DollarDialect()
        #expect(try TableName("tasks").quoted(for: dialect) == "\"tasks\"")
        #expect(try TableName("app.tasks").quoted(for: dialect) == "\"app\".\"tasks\"")
    }

    @Test func placeholdersAreTheDialects() {
        #expect(DollarDialect().placeholders("UPDATE t SET a = ? WHERE id IN (?, ?)") == "UPDATE t SET a = $1 WHERE id IN ($2, $3)")
    }
}

/// A dialect of a backend the core has never heard of: numbered placeholders, `RETURNING` ids.
struct DollarDialect: GTADialect {
    var name: String { "Dollar" }
    func quote(_ identifier: String) -> String { "\"" + identifier + "\"" }
    func placeholder(_ position: Int) -> String { "$\(position)" }
    var lockForUpdate: String { "FOR UPDATE" }
    var lockForUpdateSkipLocked: String? { "FOR UPDATE SKIP LOCKED" }
    var insertedID: GTAInsertedID { .returning(column: "id") }
    func taskTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement] { [] }
}
