import Foundation
import Testing

@testable import GTA

/// The cron parser and the due-time arithmetic of ``Schedule`` (no database).
@Suite("Schedules: cron expressions and intervals")
struct ScheduleTests {
    /// `YYYY-MM-DD HH:MM:SS` in UTC as an instant.
    static func utc(_ text: String) -> Date {
        SQLDateTimeText(text)!.date(in: .utc)
    }

    static func text(_ date: Date?) -> String? {
        date.map { SQLDateTimeText.format(CivilTime(secondsSinceEpoch: Int64($0.timeIntervalSince1970.rounded(.down)))) }
    }

    /// The next `count` due times after `start`.
    static func dues(_ schedule: Schedule, after start: String, count: Int) -> [String] {
        var result: [String] = []
        var at = utc(start)
        for _ in 0..<count {
            guard let next = schedule.nextDue(after: at) else { break }
            result.append(text(next)!)
            at = next
        }
        return result
    }

    @Test("Next due time", arguments: [
        // Five fields run at second 0; six fields start with the second.
        ("*/5 * * * *", "2026-03-01 10:02:30", "2026-03-01 10:05:00"),
        ("0 */5 * * * *", "2026-03-01 10:02:30", "2026-03-01 10:05:00"),
        ("*/15 * * * * *", "2026-03-01 10:02:30", "2026-03-01 10:02:45"),
        ("* * * * * *", "2026-03-01 10:02:30", "2026-03-01 10:02:31"),
        ("30 6 * * MON-FRI", "2026-03-06 07:00:00", "2026-03-09 06:30:00"),  // Friday after 06:30 -> Monday
        ("0 0 1 1 *", "2026-06-15 00:00:00", "2027-01-01 00:00:00"),
        // Month ends: day 31 skips shorter months; the last day of February in leap years.
        ("0 0 31 * *", "2026-01-31 00:00:00", "2026-03-31 00:00:00"),
        ("0 0 30 * *", "2026-01-30 00:00:00", "2026-03-30 00:00:00"),
        ("0 0 29 2 *", "2025-01-01 00:00:00", "2028-02-29 00:00:00"),
        ("0 0 29 2 *", "2096-03-01 00:00:00", "2104-02-29 00:00:00"),  // 2100 is not a leap year
        ("59 23 28-29 2 *", "2024-02-28 23:59:00", "2024-02-29 23:59:00"),
        // Year end carries into the next year.
        ("59 59 23 31 12 *", "2026-12-31 23:59:59", "2027-12-31 23:59:59"),
        ("0 0 * * *", "2026-12-31 12:00:00", "2027-01-01 00:00:00"),
        // Vixie: both day fields restricted -> either matches (the 13th, or any Friday).
        ("0 0 13 * FRI", "2026-02-01 00:00:00", "2026-02-06 00:00:00"),
        ("0 0 13 * FRI", "2026-02-06 00:00:00", "2026-02-13 00:00:00"),
        ("0 0 13 * 5", "2026-02-13 00:00:00", "2026-02-20 00:00:00"),
        // A day field starting with '*' is unrestricted: both must match (AND).
        ("0 0 */2 * FRI", "2026-05-01 00:00:00", "2026-05-15 00:00:00"),  // odd days 1,3,... and Friday: May 15
        ("0 0 * * FRI", "2026-05-01 00:00:00", "2026-05-08 00:00:00"),
        ("0 0 ? * 0", "2026-05-01 00:00:00", "2026-05-03 00:00:00"),
        ("0 0 * * 7", "2026-05-01 00:00:00", "2026-05-03 00:00:00"),  // 7 is Sunday
        // Steps over ranges, lists, names.
        ("1-10/3 * * * *", "2026-05-01 00:00:00", "2026-05-01 00:01:00"),
        ("1-10/3 * * * *", "2026-05-01 00:01:00", "2026-05-01 00:04:00"),
        ("1-10/3 * * * *", "2026-05-01 00:10:00", "2026-05-01 01:01:00"),
        ("5/20 * * * *", "2026-05-01 00:45:00", "2026-05-01 01:05:00"),
        ("0 0 1,15 * *", "2026-05-02 00:00:00", "2026-05-15 00:00:00"),
        ("0 0 1 jan,Jul *", "2026-02-01 00:00:00", "2026-07-01 00:00:00"),
        ("0 0 1 MAR-MAY/2 *", "2026-03-01 00:00:00", "2026-05-01 00:00:00"),
        ("0 9 * * sat,sun", "2026-05-04 00:00:00", "2026-05-09 09:00:00"),
        // Macros.
        ("@hourly", "2026-05-01 10:00:00", "2026-05-01 11:00:00"),
        ("@daily", "2026-05-01 10:00:00", "2026-05-02 00:00:00"),
        ("@midnight", "2026-05-01 10:00:00", "2026-05-02 00:00:00"),
        ("@weekly", "2026-05-01 10:00:00", "2026-05-03 00:00:00"),
        ("@monthly", "2026-05-01 10:00:00", "2026-06-01 00:00:00"),
        ("@yearly", "2026-05-01 10:00:00", "2027-01-01 00:00:00"),
        ("@annually", "2026-05-01 10:00:00", "2027-01-01 00:00:00"),
        // Blanks are collapsed.
        ("  0\t12  *  * *  ", "2026-05-01 10:00:00", "2026-05-01 12:00:00"),
    ])
    func nextDue(expression: String, after: String, expected: String) throws {
        let schedule = try Schedule(cron: expression)
        #expect(Self.text(schedule.nextDue(after: Self.utc(after))) == expected, "\(expression) after \(after)")
    }

    @Test func aSequenceOfDueTimes() throws {
        #expect(Self.dues(try Schedule(cron: "0 0 0 31 * *"), after: "2026-01-01 00:00:00", count: 7)
            == ["2026-01-31 00:00:00", "2026-03-31 00:00:00", "2026-05-31 00:00:00", "2026-07-31 00:00:00", "2026-08-31 00:00:00",
                "2026-10-31 00:00:00", "2026-12-31 00:00:00"])
        #expect(Self.dues(try Schedule(cron: "*/20 59 23 31 12 *"), after: "2026-12-31 23:58:00", count: 4)
            == ["2026-12-31 23:59:00", "2026-12-31 23:59:20", "2026-12-31 23:59:40", "2027-12-31 23:59:00"])
    }

    @Test func latestDueAtOrBefore() throws {
        let every5 = try Schedule(cron: "0 */5 * * * *")
        #expect(Self.text(every5.latestDue(atOrBefore: Self.utc("2026-03-01 10:07:59"))) == "2026-03-01 10:05:00")
        #expect(Self.text(every5.latestDue(atOrBefore: Self.utc("2026-03-01 10:05:00"))) == "2026-03-01 10:05:00")
        let leap = try Schedule(cron: "0 0 12 29 2 *")
        #expect(Self.text(leap.latestDue(atOrBefore: Self.utc("2027-06-01 00:00:00"))) == "2024-02-29 12:00:00")
        let yearly = try Schedule(cron: "@yearly")
        #expect(Self.text(yearly.latestDue(atOrBefore: Self.utc("2026-12-31 23:59:59"))) == "2026-01-01 00:00:00")
        let everySecondOnTheFirst = try Schedule(cron: "* * * 1 * *")
        #expect(Self.text(everySecondOnTheFirst.latestDue(atOrBefore: Self.utc("2026-03-15 08:00:00"))) == "2026-03-01 23:59:59")
    }

    @Test func aFixedUTCOffset() throws {
        // 09:00 at UTC+02:00 is 07:00 UTC; at UTC-05:30, 14:30 UTC.
        let east = try Schedule(cron: "0 0 9 * * *", utcOffset: .seconds(2 * 3600))
        #expect(Self.text(east.nextDue(after: Self.utc("2026-05-01 06:00:00"))) == "2026-05-01 07:00:00")
        #expect(east.description == "0 0 9 * * * UTC+02:00")
        let west = try Schedule(cron: "0 9 * * MON", utcOffset: .seconds(-(5 * 3600 + 1800)))
        #expect(Self.text(west.nextDue(after: Self.utc("2026-05-04 00:00:00"))) == "2026-05-04 14:30:00")
        #expect(west.description == "0 9 * * MON UTC-05:30")
        // The offset moves the day: Monday 01:00 at UTC+03:00 is Sunday 22:00 UTC.
        let monday = try Schedule(cron: "0 1 * * MON", utcOffset: .seconds(3 * 3600))
        #expect(Self.text(monday.nextDue(after: Self.utc("2026-05-01 00:00:00"))) == "2026-05-03 22:00:00")
        #expect(throws: GTAError.optionInvalid) { try Schedule(cron: "* * * * *", utcOffset: .seconds(19 * 3600)) }
        #expect(throws: GTAError.optionInvalid) { try Schedule(cron: "* * * * *", utcOffset: .milliseconds(1500)) }
    }

    @Test func intervals() throws {
        let thirty = try Schedule(every: .seconds(30))
        #expect(Self.text(thirty.nextDue(after: Self.utc("2026-05-01 10:00:10"))) == "2026-05-01 10:00:30")
        #expect(Self.text(thirty.nextDue(after: Self.utc("2026-05-01 10:00:30"))) == "2026-05-01 10:01:00")
        #expect(Self.text(thirty.latestDue(atOrBefore: Self.utc("2026-05-01 10:00:59"))) == "2026-05-01 10:00:30")
        // A fraction of a second past a due time: the next is the following one.
        #expect(Self.text(thirty.nextDue(after: Self.utc("2026-05-01 10:00:30").addingTimeInterval(0.4))) == "2026-05-01 10:01:00")
        #expect(Self.text(try Schedule(every: .seconds(7200)).nextDue(after: Self.utc("2026-05-01 01:00:00"))) == "2026-05-01 02:00:00")
        #expect(thirty.description == "every 30s")
        #expect(Schedule.every(.seconds(300)).description == "every 5m")
        #expect(Schedule.every(.seconds(7200)).description == "every 2h")
        #expect(Schedule.every(.seconds(86_400)).description == "every 1d")
        #expect(Schedule.every(.seconds(90)).description == "every 90s")
        #expect(throws: GTAError.optionInvalid) { try Schedule(every: .zero) }
        #expect(throws: GTAError.optionInvalid) { try Schedule(every: .milliseconds(500)) }
        #expect(throws: GTAError.optionInvalid) { try Schedule(every: .milliseconds(1500)) }
        #expect(throws: GTAError.optionInvalid) { try Schedule(every: .seconds(-5)) }
    }

    @Test("Invalid texts name the field and the bad text", arguments: [
        ("", "has 0 fields"),
        ("* * * *", "has 4 fields"),
        ("* * * * * * *", "has 7 fields"),
        ("61 * * * *", "minute field '61': 61 is out of range 0-59"),
        ("60 * * * * *", "second field '60': 60 is out of range 0-59"),
        ("0 24 * * *", "hour field '24': 24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month field '0': 0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month field '32'"),
        ("0 0 * 13 *", "month field '13': 13 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week field '8': 8 is out of range 0-7"),
        ("0 0 * FOO *", "month field 'FOO': 'FOO' is not a number or a name (JAN-DEC)"),
        ("0 0 * * MONDAY", "day-of-week field 'MONDAY'"),
        ("*/0 * * * *", "minute field '*/0': step '0' is not a whole number > 0"),
        ("*/x * * * *", "step 'x'"),
        ("*/61 * * * *", "step 61 is larger than the field's range 0-59"),
        ("10-5 * * * *", "minute field '10-5': range '10-5' starts after it ends"),
        ("1-2-3 * * * *", "'1-2-3' is not a value or a range"),
        ("1,,2 * * * *", "minute field '1,,2': empty list item"),
        ("1/2/3 * * * *", "more than one '/'"),
        ("-5 * * * *", "a value is missing"),
        ("+5 * * * *", "'+5' is not a number"),
        ("0 ? * * *", "hour field '?'"),  // '?' only in the day fields
        ("0 0 30 2 *", "day-of-month field '30' never falls in month field '2'"),
        ("0 0 31 4,6,9,11 *", "day-of-month field '31' never falls in month field '4,6,9,11'"),
        ("@every5m", "unknown macro '@every5m'"),
    ])
    func invalid(expression: String, fragment: String) {
        do {
            _ = try Schedule(cron: expression)
            Issue.record("'\(expression)' parsed")
        } catch let error as GTAError {
            #expect(error.code == .optionInvalid)
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.message.contains("cron expression '\(expression)'"), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
        // The lazy form carries the same message to registration.
        #expect(throws: GTAError.optionInvalid) { try Schedule.cron(expression).validate() }
        #expect(Schedule.cron(expression).nextDue(after: Date()) == nil)
    }

    @Test func theFebruary30thWithAWeekdayIsAWeekdaySchedule() throws {
        // Both day fields restricted: the day-of-week alone can match (Vixie OR), so it is valid.
        let schedule = try Schedule(cron: "0 0 30 2 MON")
        #expect(Self.text(schedule.nextDue(after: Self.utc("2026-02-01 00:00:00"))) == "2026-02-02 00:00:00")
    }

    @Test func registrationRejectsAnInvalidScheduleOrArgument() throws {
        let registry = Registry()
        let handler: TaskHandler = { _, _ in }
        #expect(throws: GTAError.optionInvalid) {
            try registry.register("bad", TaskDefinition(handler: handler).schedule(.cron("0 61 * * *")))
        }
        #expect(throws: GTAError.optionInvalid) {
            try registry.register("bad2", TaskDefinition(handler: handler).schedule(.every(.milliseconds(10))))
        }
        struct Job: Codable, Sendable { var n: Int }
        #expect(throws: GTAError.definitionArgumentInvalid) {
            try registry.register("typed", TaskDefinition(argumentType: Job.self) { _, _ in }.schedule(.every(.seconds(1)), argument: "text"))
        }
        try registry.register("good", TaskDefinition(argumentType: Job.self) { _, _ in }.schedule(.every(.seconds(1)), argument: Job(n: 1)))
        #expect(registry.scheduled().map(\.0) == ["good"])
    }

    @Test func scheduleTableNames() throws {
        #expect(ScheduleTable.name(forTasks: try TableName("tasks")).description == "tasks_schedules")
        #expect(ScheduleTable.name(forTasks: try TableName("app.tasks")).description == "app.tasks_schedules")
        let long = String(repeating: "t", count: 60)
        let derived = ScheduleTable.name(forTasks: try TableName(long))
        #expect(derived.name.count == 64)
        #expect(derived.name.hasPrefix(String(repeating: "t", count: 45) + "_") && derived.name.hasSuffix("_schedules"))
        // Valid as a table name, and different for two long names that share a prefix.
        #expect(try TableName(derived.name) == derived)
        #expect(ScheduleTable.name(forTasks: try TableName(long + "a")) != ScheduleTable.name(forTasks: try TableName(long + "b")))
        #expect(ScheduleTable.name(forTasks: try TableName(String(repeating: "x", count: 54))).name.count == 64)
    }
}
