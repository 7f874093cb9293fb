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

    @Test func quotesForEachDialect() throws {
        #expect(try TableName("tasks").quoted(for: .mysql) == "`tasks`")
        #expect(try TableName("app.tasks").quoted(for: .mysql) == "`app`.`tasks`")
        #expect(try TableName("tasks").quoted(for: .sqlite) == "\"tasks\"")
        #expect(GTADialect.mysql.quote("a`b") == "`a``b`")
    }

    @Test func modelSQLIsTheLibrarysDefinition() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("model.sql"), encoding: .utf8)
        let statement = text.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let library = TaskTable.createStatements(for: try TableName("tasks"), dialect: .mysql)
        #expect(library.count == 1)
        #expect(statement == library[0] + ";")
    }
}
