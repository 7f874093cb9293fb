import Foundation
import GTA
import GTAMariaDB
import Testing

@Suite struct MariaDBDialectTests {
    @Test func quotesIdentifiers() throws {
        let dialect = MariaDBDialect()
        #expect(try TableName("tasks").quoted(for: dialect) == "`tasks`")
        #expect(try TableName("app.tasks").quoted(for: dialect) == "`app`.`tasks`")
        #expect(dialect.quote("a`b") == "`a``b`")
        #expect(MariaDBDialect(skipLocked: false).lockForUpdateSkipLocked == nil)
    }

    @Test func modelSQLIsTheLibrarysDefinition() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("model.sql"), encoding: .utf8)
        let statement = text.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let library = TaskTable.createStatements(for: try TableName("tasks"), dialect: MariaDBDatabase.dialect)
        #expect(library.count == 1)
        #expect(statement == library[0].sql + ";")
    }

    @Test func modelSQLShowsTheSchedulesTableAsTheLibraryCreatesIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("model.sql"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("-- CREATE TABLE IF NOT EXISTS `tasks_schedules`") })
        let statement = lines[start...].map { String($0.dropFirst(3)) }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let library = ScheduleTable.createStatements(forTasks: try TableName("tasks"), dialect: MariaDBDatabase.dialect)
        #expect(library.count == 1)
        #expect(statement == library[0].sql + ";")
    }
}
