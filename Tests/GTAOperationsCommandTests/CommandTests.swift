import Foundation
import GTA
import Testing

/// The `gta` binary as a person runs it.
@Suite struct CommandTests {
    /// A failure is one line on stderr, starting `gta: `, and a non-zero status.
    func expectOneLineFailure(_ result: Finished, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("gta: "), sourceLocation: sourceLocation)
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack"), sourceLocation: sourceLocation)
    }

    @Test func aBadURLIsOneClearLine() throws {
        expectOneLineFailure(try gta(["stats", "--url", "postgres://ops:pw-sekrit@db/app"]), "unsupported database URL scheme 'postgres'")
        let badPort = try gta(["stats", "--url", "mysql://ops:pw-sekrit@127.0.0.1:notaport/app"])
        expectOneLineFailure(badPort, "invalid database URL")
        #expect(!badPort.stderr.contains("pw-sekrit"))
        expectOneLineFailure(try gta(["stats"]), "no database: pass --url or set GTA_DATABASE_URL")
        expectOneLineFailure(try gta(["list", "--url", "/nonexistent/dir/app.sqlite"]), "no SQLite database at /nonexistent/dir/app.sqlite")
        expectOneLineFailure(try gta(["stats", "--url", "/tmp/x.sqlite", "--table", "tasks; DROP TABLE x"]), "table name")
        expectOneLineFailure(try gta(["list", "--url", "/tmp/x.sqlite", "--older-than", "soon"]), "'soon' is not a duration")
    }

    @Test func noServerIsOneLineAndNeverShowsThePassword() throws {
        let result = try gta(["stats"], environment: ["GTA_DATABASE_URL": "mysql://ops:hunter2-sekrit@127.0.0.1:1/app?connect-timeout=2"])
        expectOneLineFailure(result, "cannot use the database at mysql://ops:****@127.0.0.1:1/app")
        #expect(!result.stderr.contains("hunter2-sekrit"))
    }

    @Test(arguments: Backend.allCases)
    func anUnknownTableIsOneClearLine(_ backend: Backend) async throws {
        try await withTable(backend, create: false) { table in
            let result = try gta(["stats", "--url", table.url, "--table", table.name])
            expectOneLineFailure(result, "table '\(table.name)' does not exist (create it with `gta migrate`)")
            #expect(!result.stderr.contains("gta-test-password"))
            expectOneLineFailure(try gta(["show", "1", "--url", table.url, "--table", table.name]), "does not exist")
        }
    }

    @Test(arguments: Backend.allCases)
    func migrateStatsListShowEndToEnd(_ backend: Backend) async throws {
        try await withTable(backend, create: false) { table in
            let base = ["--url", table.url, "--table", table.name]
            let printed = try gta(["migrate", "--print"] + base)
            #expect(printed.status == 0 && printed.stdout.contains("CREATE TABLE IF NOT EXISTS"))
            #expect(try gta(["migrate"] + base).stdout == "created table \(table.name)\n")
            #expect(try gta(["migrate"] + base).stdout == "table \(table.name) is up to date\n")
            for _ in 0..<3 { try await table.insert("send_mail", .initialized, age: 125) }
            try await table.insert("send_mail", .succeeded)
            let failed = try await table.insert("send_mail", .failed, argument: #"{"to":"ada@example.com"}"#, extra: #"{"attempts":4,"last_error":"smtp: 550"}"#)
            try await table.insert("resize", .running, age: 2, extra: #"{"owner":"p1-0000aaaabbbb","runs":1}"#)
            let stats = try gta(["stats"] + base)
            #expect(stats.status == 0, "\(stats.stderr)")
            let line = try #require(stats.stdout.split(separator: "\n").first { $0.hasPrefix("send_mail") })
            let columns = line.split(separator: " ").map(String.init)
            #expect(Array(columns.prefix(5)) == ["send_mail", "3", "0", "1", "1"] && columns.last == "0")
            #expect(columns.count == 7 && columns[5].hasPrefix("2m"))
            #expect(stats.stdout.contains("instances seen (lease owners of running rows): 1"))
            #expect(stats.stdout.contains("p1-0000aaaabbbb  running 1"))
            let list = try gta(["list", "--status", "failed"] + base)
            #expect(list.stdout.contains("\(failed)  send_mail  failed") && list.stdout.contains("smtp: 550"))
            let show = try gta(["show", String(failed)] + base)
            #expect(show.stdout.contains("attempts    4") && show.stdout.contains("last error  smtp: 550"))
            #expect(show.stdout.contains("{\n  \"to\": \"ada@example.com\"\n}"))
            let page = try gta(["list", "--limit", "2"] + base)
            #expect(page.stdout.contains("next page: gta list --limit 2 --after "))
        }
    }

    @Test(arguments: Backend.allCases)
    func rerunAsksBeforeMovingMoreThanFiveRows(_ backend: Backend) async throws {
        try await withTable(backend) { table in
            let base = ["--url", table.url, "--table", table.name]
            for _ in 0..<6 { try await table.insert("mail", .failed) }
            // No answer (stdin at its end): refused, nothing moved.
            let refused = try gta(["rerun", "--status", "failed"] + base)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("move 6 tasks (6 failed)"))
            #expect(refused.stderr.contains("gta: refusing to move 6 tasks without confirmation (no answer on stdin); pass --yes"))
            #expect(try await table.count(.failed) == 6)
            // Answered no.
            let no = try gta(["rerun", "--status", "failed"] + base, stdin: "n\n")
            #expect(no.status != 0 && no.stderr.contains("not confirmed; nothing moved"))
            #expect(try await table.count(.failed) == 6)
            // Answered yes.
            let yes = try gta(["rerun", "--status", "failed", "--key", "mail"] + base, stdin: "y\n")
            #expect(yes.status == 0 && yes.stdout.contains("moved 6 of 6 tasks to initialized"))
            #expect(try await table.count(.initialized) == 6)
            // --yes asks nothing; five or fewer rows are not asked about.
            for _ in 0..<7 { try await table.insert("mail", .failed) }
            let confirmed = try gta(["rerun", "--status", "failed", "--yes"] + base)
            #expect(confirmed.status == 0 && confirmed.stdout.contains("moved 7 of 7") && confirmed.stderr.isEmpty)
            var few: [String] = []
            for _ in 0..<5 { few.append(String(try await table.insert("crm", .failed))) }
            let byIDs = try gta(["rerun"] + few + ["999999"] + base)
            #expect(byIDs.status == 0 && byIDs.stderr.isEmpty, "\(byIDs.stderr)")
            #expect(byIDs.stdout.contains("skipped 999999: no such task") && byIDs.stdout.contains("moved 5 of 5"))
            #expect(try await table.count(.failed) == 0)
            // Ids and --status together is a usage error.
            #expect(try gta(["rerun", "1", "--status", "failed"] + base).status != 0)
        }
    }
}
