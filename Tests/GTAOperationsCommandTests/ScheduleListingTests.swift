import Foundation
import GTA
import GTAOperations
import Testing

/// Periodic tasks' schedules in `gta stats` and on the dashboard's overview.
@Suite struct ScheduleCommandAndDashboardTests {
    /// A schedule row as an instance leaves it after creating task 10042 for 12:00:00.
    static func insertSchedule(_ table: TestTable, key: String = "report<b>") async throws {
        let schedules = ScheduleTable.name(forTasks: try TableName(table.name)).quoted(for: table.db.dialect)
        try await table.db.execute(
            "INSERT INTO \(schedules) (task_key, schedule, last_due, next_due, last_task_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.string(key), .string("0 0 12 * * MON-FRI"), .date(Date(timeIntervalSince1970: 1_800_000_000)),
             .date(Date(timeIntervalSince1970: 1_800_086_400)), .uint(10042), .date(Date())])
    }

    @Test(arguments: Backend.allCases)
    func statsListsSchedules(_ backend: Backend) async throws {
        try await withTable(backend) { table in
            try await Self.insertSchedule(table, key: "report")
            let stats = try gta(["stats", "--url", table.url, "--table", table.name])
            #expect(stats.status == 0, "\(stats.stderr)")
            #expect(stats.stdout.contains("schedules (periodic tasks): 1"))
            let line = try #require(stats.stdout.split(separator: "\n").first { $0.hasPrefix("report ") })
            #expect(line.contains("0 0 12 * * MON-FRI") && line.contains("2027-01-15 08:00:00") && line.contains("2027-01-16 08:00:00"))
            #expect(line.hasSuffix("10042"))
        }
    }

    @Test func theOverviewShowsSchedulesAsText() async throws {
        try await withTable(.sqlite) { table in
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, actions: .disabled) { base in
                let empty = try await fetch(base)
                #expect(empty.body.contains("No periodic task is scheduled on this table."))
            }
            try await Self.insertSchedule(table)
            try await withDashboard(ops, actions: .disabled) { base in
                let page = try await fetch(base)
                #expect(page.status == 200)
                #expect(page.body.contains("<h2>Schedules</h2>"))
                #expect(page.body.contains("report&lt;b&gt;") && !page.body.contains("report<b>"))
                #expect(page.body.contains("0 0 12 * * MON-FRI"))
                #expect(page.body.contains("2027-01-15 08:00:00") && page.body.contains("2027-01-16 08:00:00"))
                #expect(page.body.contains("/tasks/10042\">10042</a>"))
            }
        }
    }
}
