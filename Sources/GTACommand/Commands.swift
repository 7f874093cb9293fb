import ArgumentParser
import Foundation
import GTA
import GTAOperations

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the task table, or add the claim index and the columns of delayed and unique tasks to an existing one.",
        discussion: "Running it again does nothing. With --print it writes the SQL it would run and changes nothing."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(name: .long, help: "Print the SQL instead of running it.")
    var print = false

    func run() async throws {
        try await reporting {
            try await Connection.with(database, create: !print, planOnly: print) { connection in
                let ops = connection.operations
                if print {
                    let plan = try await ops.planMigration()
                    Swift.print(plan.statements.isEmpty ? "-- table \(ops.table) is up to date" : plan.sql)
                    return
                }
                let plan = try await ops.migrate()
                switch plan.action {
                case .createTable: Swift.print("created table \(ops.table)")
                case .upgrade: Swift.print("upgraded table \(ops.table):\n\(plan.sql)")
                case .upToDate: Swift.print("table \(ops.table) is up to date")
                }
            }
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts per key and status, queue lag, stuck rows, throughput and the instances seen.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var lease: LeaseOptions

    @Option(name: .long, help: "Minutes of throughput to sum.")
    var minutes = 15

    func run() async throws {
        try await reporting {
            try await Connection.with(database, lease: lease) { connection in
                let ops = connection.operations
                let now = Date()
                let stats = try await ops.stats(now: now)
                let throughput = try await ops.throughput(minutes: minutes, now: now)
                Swift.print(Self.render(stats, throughput: throughput, table: ops.table.description, now: now))
            }
        }
    }

    static func render(_ stats: TaskStats, throughput: [ThroughputMinute], table: String, now: Date) -> String {
        var lines = ["table \(table) at \(Text.timestamp(now))", ""]
        if stats.keys.isEmpty {
            lines.append("no tasks")
        } else {
            let statuses = stats.statuses.filter { status in
                [.initialized, .running, .succeeded, .failed].contains(status) || stats.total(status) > 0
            }
            var t = TextTable(header: ["key"] + statuses.map(\.description) + ["queue lag", "stuck"])
            t.rightAligned = Set(1...(statuses.count + 2))
            for key in stats.keys {
                t.rows.append(
                    [key.key.rawValue.isEmpty ? "(no key)" : key.key.rawValue] + statuses.map { String(key[$0]) }
                        + [key.queueLag(at: now)?.readable ?? "-", String(key.stuck)])
            }
            if stats.keys.count > 1 {
                let lag = stats.keys.compactMap { $0.queueLag(at: now) }.max()
                t.rows.append(["total"] + statuses.map { String(stats.total($0)) } + [lag?.readable ?? "-", String(stats.keys.reduce(0) { $0 + $1.stuck })])
            }
            lines.append(t.rendered)
        }
        let succeeded = throughput.reduce(0) { $0 + $1.succeeded }
        let failed = throughput.reduce(0) { $0 + $1.failed }
        let last = throughput.last
        lines.append("")
        lines.append(
            "throughput, last \(throughput.count) minutes: \(succeeded) succeeded, \(failed) failed"
                + (last.map { " (this minute: \($0.succeeded) succeeded, \($0.failed) failed)" } ?? ""))
        lines.append("instances seen (lease owners of running rows): \(stats.instances.count)")
        for instance in stats.instances {
            lines.append(
                "  \(instance.owner)  running \(instance.running)  last renewal \(Text.ago(instance.lastRenewal, now))"
                    + (instance.expired > 0 ? "  expired leases \(instance.expired)" : ""))
        }
        if !stats.schedules.isEmpty {
            lines.append("")
            lines.append("schedules (periodic tasks): \(stats.schedules.count)")
            var t = TextTable(header: ["key", "schedule", "last due", "next due", "last task"])
            t.rightAligned = [4]
            for s in stats.schedules {
                t.rows.append([
                    s.key.rawValue, s.schedule, s.lastDue.map(Text.timestamp) ?? "-", s.nextDue.map(Text.timestamp) ?? "-",
                    s.lastTaskID.map(String.init) ?? "-",
                ])
            }
            lines.append(t.rendered)
        }
        return lines.joined(separator: "\n")
    }
}

/// `--status`: a status, or `stuck` for running rows whose worker is gone.
func parseStatus(_ text: String?) -> (TaskStatus?, stuck: Bool) {
    guard let text, !text.isEmpty else { return (nil, false) }
    if text == "stuck" { return (.running, true) }
    return (TaskStatus(rawValue: text), false)
}

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List tasks, in id order, a page at a time.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var lease: LeaseOptions

    @Option(name: .long, help: "Only this status: initialized, running, succeeded, failed, or stuck (running rows whose worker is gone).")
    var status: String?

    @Option(name: .long, help: "Only this key.")
    var key: String?

    @Option(name: .long, help: "Only rows last updated longer ago than this (90s, 10m, 2h, 1d).")
    var olderThan: String?

    @Option(name: .long, help: "Rows per page (1-1000).")
    var limit = 50

    @Option(name: .long, help: "Start after this id (the next page).")
    var after: UInt64?

    func run() async throws {
        try await reporting {
            let (status, stuck) = parseStatus(self.status)
            let filter = TaskFilter(
                status: status, key: key.map { TaskKey($0) }, olderThan: try olderThan.map(DurationText.parse), stuck: stuck)
            try await Connection.with(database, lease: lease) { connection in
                let now = Date()
                let page = try await connection.operations.list(filter, after: after, limit: limit, now: now)
                guard !page.records.isEmpty else {
                    Swift.print("no tasks")
                    return
                }
                var t = TextTable(header: ["id", "key", "status", "updated", "runs", "attempts", "last error"])
                t.rightAligned = [0, 4, 5]
                for r in page.records {
                    let status = r.taskStatus.description + (connection.operations.isStuck(r, now: now) ? " (stuck)" : "")
                    t.rows.append([
                        String(r.id), r.taskKey.rawValue, status, Text.ago(r.updatedAt, now), String(r.extra.runs), String(r.extra.attempts),
                        Text.oneLine(r.extra.lastError ?? ""),
                    ])
                }
                Swift.print(t.rendered)
                if let next = page.nextAfter {
                    var args = ["gta", "list"]
                    if let s = self.status { args += ["--status", s] }
                    if let k = key { args += ["--key", k] }
                    if let o = olderThan { args += ["--older-than", o] }
                    if limit != 50 { args += ["--limit", String(limit)] }
                    Swift.print("\nnext page: \((args + ["--after", String(next)]).joined(separator: " "))")
                }
            }
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one task: its argument, context, lease, attempts and last error.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var lease: LeaseOptions

    @Argument(help: "The task id.")
    var id: UInt64

    func run() async throws {
        try await reporting {
            try await Connection.with(database, lease: lease) { connection in
                let now = Date()
                let detail = try await connection.operations.show(id: id, now: now)
                let r = detail.record
                var lines = [
                    "id          \(r.id)",
                    "key         \(r.taskKey.rawValue)\(detail.isBuiltin ? " (built-in)" : "")",
                    "status      \(r.taskStatus)\(detail.stuck ? " (stuck: its worker is gone)" : "")",
                    "created     \(Text.timestamp(r.createdAt)) (\(Text.ago(r.createdAt, now)))",
                    "updated     \(Text.timestamp(r.updatedAt)) (\(Text.ago(r.updatedAt, now)))",
                ]
                if let l = detail.lease {
                    lines.append("lease       \(l.owner), renewed \(Text.ago(l.renewedAt, now)), \(l.expired ? "expired" : "expires") \(Text.ago(l.expiresAt, now))")
                } else if let owner = r.extra.owner {
                    lines.append("last owner  \(owner)")
                }
                lines += [
                    "runs        \(r.extra.runs)",
                    "attempts    \(r.extra.attempts)",
                    "lost        \(r.extra.lost)",
                    "last error  \(r.extra.lastError ?? "-")",
                ]
                if !r.problems.isEmpty { lines.append("unreadable  \(r.problems.joined(separator: "; "))") }
                lines += ["", "argument:", detail.prettyArgument ?? "NULL", "", "context:", detail.prettyContext ?? "NULL"]
                Swift.print(lines.joined(separator: "\n"))
            }
        }
    }
}

struct Rerun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move failed (or stuck) tasks back to initialized, so that a scanner runs them again.",
        discussion: """
            By id, each row moves from the status it is in: failed and succeeded rows, and running rows whose worker is gone; \
            others are listed and left alone. By filter: --status failed (or succeeded, or stuck) and optionally --key. \
            Moving more than 5 rows asks for confirmation on stdin unless --yes is given; with no answer it moves nothing.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var lease: LeaseOptions

    @Argument(help: "Task ids.")
    var ids: [UInt64] = []

    @Option(name: .long, help: "Rerun every task in this status: failed, succeeded, or stuck.")
    var status: String?

    @Option(name: .long, help: "With --status: only this key.")
    var key: String?

    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false

    /// The most rows moved without asking.
    static let unconfirmedLimit = 5

    func validate() throws {
        if ids.isEmpty == (status == nil) { throw ValidationError("give task ids or --status, not both") }
        if key != nil, status == nil { throw ValidationError("--key needs --status") }
    }

    func run() async throws {
        try await reporting {
            let selection: RerunSelection
            if let status {
                let (parsed, stuck) = parseStatus(status == "running" ? "stuck" : status)
                selection = .filter(TaskFilter(status: parsed, key: key.map { TaskKey($0) }, stuck: stuck))
            } else {
                selection = .ids(ids)
            }
            try await Connection.with(database, lease: lease) { connection in
                let ops = connection.operations
                let plan = try await ops.planRerun(selection)
                for skipped in plan.skipped { Swift.print("skipped \(skipped.id): \(skipped.reason ?? "")") }
                guard !plan.movable.isEmpty else {
                    Swift.print("nothing to rerun")
                    return
                }
                if plan.movable.count > Self.unconfirmedLimit, !yes {
                    var byStatus: [String: Int] = [:]
                    for c in plan.movable { byStatus[c.status.description, default: 0] += 1 }
                    let summary = byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    FileHandle.standardError.write(
                        Data("move \(plan.movable.count) tasks (\(summary)) of table \(ops.table) to initialized? [y/N] ".utf8))
                    guard let answer = readLine() else {
                        throw CommandFailure(
                            "refusing to move \(plan.movable.count) tasks without confirmation (no answer on stdin); pass --yes")
                    }
                    guard ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()) else {
                        throw CommandFailure("not confirmed; nothing moved")
                    }
                }
                let result = try await ops.rerun(plan)
                Swift.print("moved \(result.moved) of \(result.planned) tasks to initialized"
                    + (result.moved < result.planned ? " (the others moved meanwhile)" : ""))
            }
        }
    }
}
