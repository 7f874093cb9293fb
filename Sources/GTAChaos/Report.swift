import Foundation
import GTA
import GTAMariaDB

/// The accounting of a chaos run: every task the producer saw commit, and every call whose
/// outcome it did not know, against the task table, the handlers' ledger, the orders and the
/// orchestrator's event log.
struct ChaosReport {
    var text: String
    var failed: Bool

    static func build(dir: String, db: any GTADatabase, settleSeconds: Double, seed: UInt64, asked: Int) async throws -> ChaosReport {
        // The producer's record.
        var calls: [String: Call] = [:]
        var order: [String] = []
        for fields in LineLog.read(dir + "/producer.record") {
            guard fields.count >= 2 else { continue }
            let uuid = String(fields[1])
            switch fields[0] {
            case "begin":
                guard fields.count >= 3, let path = CreationPath(rawValue: String(fields[2])) else { continue }
                if calls[uuid] == nil { order.append(uuid) }
                calls[uuid] = Call(uuid: uuid, path: path)
            case "ok": calls[uuid]?.outcome = .ok
            case "unknown": calls[uuid]?.outcome = .unknown(fields.count > 3 ? String(fields[3]) : "")
            case "failed": calls[uuid]?.outcome = .failed(fields.count > 3 ? String(fields[3]) : "")
            default: continue
            }
        }
        // The orchestrator's events.
        var events: [Event] = []
        for fields in LineLog.read(dir + "/events.log") where fields.count >= 3 {
            guard let us = Int64(fields[0]), let pid = Int64(fields[2]) else { continue }
            events.append(Event(us: us, kind: String(fields[1]), pid: pid, detail: fields.count > 3 ? String(fields[3]) : ""))
        }
        // The database, read with retries (the server may just have come back).
        let (rows, runs, orders) = try await readDatabase(db)
        return Accounting(
            calls: calls, callOrder: order, events: events, rows: rows, runs: runs, orders: orders,
            settleSeconds: settleSeconds, seed: seed, asked: asked, logCounts: LogCounts(dir: dir)
        ).render()
    }

    private static func readDatabase(_ db: any GTADatabase) async throws -> ([String: Row], [String: [Run]], [String: CreationPath?]) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await readOnce(db)
            } catch {
                if attempt >= 10 { throw error }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private static func readOnce(_ db: any GTADatabase) async throws -> ([String: Row], [String: [Run]], [String: CreationPath?]) {
        var rows: [String: Row] = [:]
        let decoder = JSONDecoder()
        for row in try await db.query("SELECT id, task_status, argument FROM \(ChaosTables.tasks) WHERE task_key IN (\(ChaosKey.sqlList))") {
            let id = try row.decode(UInt64.self, "id")
            let status = try row.decode(String.self, "task_status")
            var bytes: [UInt8] = []
            switch row["argument"] {
            case .string(let s)?: bytes = Array(s.utf8)
            case .bytes(let b)?: bytes = b
            default: break
            }
            guard let argument = try? decoder.decode(ChaosArgument.self, from: Data(bytes)) else {
                rows["<undecodable \(id)>"] = Row(id: id, status: status, path: nil)
                continue
            }
            rows[argument.uuid] = Row(id: id, status: status, path: CreationPath(rawValue: argument.path))
        }
        var runs: [String: [Run]] = [:]
        for row in try await db.query("SELECT uuid, pid, started_us FROM \(ChaosTables.ledger)") {
            let uuid = try row.decode(String.self, "uuid")
            runs[uuid, default: []].append(Run(pid: try row.decode(Int64.self, "pid"), startedUs: try row.decode(Int64.self, "started_us")))
        }
        var orders: [String: CreationPath?] = [:]
        for row in try await db.query("SELECT uuid, path FROM \(ChaosTables.orders)") {
            orders[try row.decode(String.self, "uuid")] = CreationPath(rawValue: try row.decode(String.self, "path"))
        }
        return (rows, runs, orders)
    }
}

/// The counting itself.
private struct Accounting {
    typealias Row = ChaosReport.Row
    typealias Run = ChaosReport.Run
    typealias Event = ChaosReport.Event
    typealias Explanation = ChaosReport.Explanation

    let calls: [String: ChaosReport.Call]
    let callOrder: [String]
    let events: [Event]
    let rows: [String: Row]
    let runs: [String: [Run]]
    let orders: [String: CreationPath?]
    let settleSeconds: Double
    let seed: UInt64
    let asked: Int
    let logCounts: LogCounts

    /// Counters per creation path.
    struct Counts {
        private var values: [String: [CreationPath: Int]] = [:]
        mutating func add(_ name: String, _ path: CreationPath, _ n: Int = 1) { values[name, default: [:]][path, default: 0] += n }
        func get(_ name: String, _ path: CreationPath) -> Int { values[name]?[path] ?? 0 }
        func total(_ name: String) -> Int { values[name]?.values.reduce(0, +) ?? 0 }
    }

    static let finalStatuses: Set<String> = ["succeeded", "failed"]
    static let pendingStatuses: Set<String> = ["running", "initialized"]

    func explain(_ earlier: Run, _ later: Run) -> Explanation? {
        for e in events where e.us >= earlier.startedUs && e.us <= later.startedUs && e.pid == earlier.pid {
            if e.kind == "kill-worker" || e.kind == "kill-producer" || e.kind == "producer-timeout" { return .kill }
            if e.kind == "worker-died" { return .crash }
        }
        // A server disruption window overlapping the time between the two starts.
        var begin: Int64?
        for e in events {
            if e.kind == "server-restart-begin" || e.kind == "server-kill9-begin" { begin = e.us }
            if e.kind == "server-restart-end" || e.kind == "server-kill9-end", let b = begin {
                if b <= later.startedUs && e.us >= earlier.startedUs { return .server }
                begin = nil
            }
        }
        return nil
    }

    func render() -> ChaosReport {
        var c = Counts()
        var examples: [String: [String]] = [:]
        func example(_ name: String, _ text: String) {
            if examples[name, default: []].count < 8 { examples[name, default: []].append(text) }
        }
        func describe(_ uuid: String) -> String {
            let row = rows[uuid].map { "row \($0.id) \($0.status)" } ?? "no row"
            let r = (runs[uuid] ?? []).map { "pid \($0.pid) at \(formatMicros($0.startedUs))" }
            return "\(uuid) (\(calls[uuid]?.path.rawValue ?? "?")): \(row), runs: \(r.isEmpty ? "none" : r.joined(separator: "; "))"
        }

        /// Classifies one task that exists (committed), under `prefix`.
        func classifyCommitted(_ uuid: String, _ path: CreationPath, prefix: String) {
            let taskRuns = (runs[uuid] ?? []).sorted { $0.startedUs < $1.startedUs }
            let row = rows[uuid]
            switch taskRuns.count {
            case 0:
                if let row, Self.pendingStatuses.contains(row.status) {
                    c.add(prefix + "never-stuck", path)
                    example(prefix + "never-stuck", describe(uuid))
                } else {
                    c.add(prefix + "lost", path)
                    example(prefix + "lost", describe(uuid))
                }
            case 1:
                c.add(prefix + "once", path)
            default:
                c.add(prefix + "more", path)
                for (a, b) in zip(taskRuns, taskRuns.dropFirst()) {
                    if let why = explain(a, b) {
                        c.add(prefix + "dup-" + why.rawValue, path)
                    } else {
                        c.add(prefix + "dup-unexplained", path)
                        example(prefix + "dup-unexplained", describe(uuid))
                    }
                }
            }
            let status = row?.status ?? "no row"
            c.add(prefix + "status-" + status, path)
        }

        for uuid in callOrder {
            guard let call = calls[uuid] else { continue }
            let path = call.path
            switch call.outcome {
            case .ok:
                c.add("committed", path)
                classifyCommitted(uuid, path, prefix: "c.")
            case .unknown, .inFlight:
                if case .inFlight = call.outcome { c.add("u.in-flight", path) } else { c.add("u.unknown", path) }
                if rows[uuid] != nil {
                    c.add("u.committed", path)
                    classifyCommitted(uuid, path, prefix: "u.")
                } else if orders[uuid] != nil {
                    c.add("u.order-only", path)
                    example("u.order-only", describe(uuid))
                } else {
                    c.add("u.not-committed", path)
                    if !(runs[uuid] ?? []).isEmpty {
                        c.add("u.ran-without-row", path)
                        example("u.ran-without-row", describe(uuid))
                    }
                }
            case .failed:
                c.add("f.failed", path)
                if rows[uuid] != nil || orders[uuid] != nil || !(runs[uuid] ?? []).isEmpty {
                    c.add("f.phantom", path)
                    example("f.phantom", describe(uuid))
                }
            }
        }

        // Every chaos row still pending after the settle time, whoever created it.
        var unaccountedRows = 0
        for (uuid, row) in rows {
            let path = row.path ?? calls[uuid]?.path ?? .run
            if calls[uuid] == nil {
                unaccountedRows += 1
                example("unaccounted", "row \(row.id) \(row.status) uuid \(uuid): no producer record")
            }
            if row.status == "running" {
                if let last = (runs[uuid] ?? []).max(by: { $0.startedUs < $1.startedUs }) {
                    c.add("s.running-ran", path)
                    let killed = events.contains {
                        ($0.kind == "kill-worker" || $0.kind == "kill-producer" || $0.kind == "worker-died")
                            && $0.pid == last.pid && $0.us >= last.startedUs
                    }
                    c.add(killed ? "s.running-ran-killed" : "s.running-ran-alive", path)
                } else {
                    c.add("s.running-never", path)
                }
            } else if row.status == "initialized" {
                c.add("s.initialized", path)
            }
            if path.hasOrder && orders[uuid] == nil {
                c.add("o.task-no-order", path)
                example("o.task-no-order", describe(uuid))
            }
        }
        for (uuid, path) in orders where rows[uuid] == nil {
            let p = path ?? calls[uuid]?.path ?? .txHook
            c.add("o.order-no-task", p)
            example("o.order-no-task", describe(uuid))
        }
        let orphanRuns = runs.keys.filter { rows[$0] == nil }.count

        // MARK: Rendering

        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        let paths = CreationPath.allCases
        let labelWidth = 58
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func lpad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        func header() {
            line(pad("", labelWidth) + paths.map { lpad($0.rawValue, 12) }.joined() + lpad("total", 9))
        }
        func row(_ label: String, _ name: String, onlyOrders: Bool = false) {
            var s = pad(label, labelWidth)
            for p in paths {
                s += lpad(onlyOrders && !p.hasOrder ? "n/a" : String(c.get(name, p)), 12)
            }
            s += lpad(String(c.total(name)), 9)
            line(s)
        }

        let kills = events.filter { $0.kind == "kill-worker" }.count
        let producerKills = events.filter { $0.kind == "kill-producer" }.count
        let restarts = events.filter { $0.kind == "server-restart-end" }.count
        let kill9s = events.filter { $0.kind == "server-kill9-end" }.count
        let crashes = events.filter { $0.kind == "worker-died" }.count
        let first = events.first?.us ?? 0
        let produceEnd = events.first { $0.kind == "produce-end" }?.us ?? first
        let settleEnd = events.first { $0.kind == "settle-end" }?.us ?? produceEnd

        line("== gta chaos report (seed \(seed)) ==")
        line("asked for \(asked) tasks; producing took \(String(format: "%.1f", Double(produceEnd - first) / 1e6)) s, settling \(String(format: "%.1f", Double(settleEnd - produceEnd) / 1e6)) s (allowed \(Int(settleSeconds)) s)")
        line("disruptions: \(kills) worker SIGKILLs, \(producerKills) producer SIGKILLs, \(restarts) clean server restarts, \(kill9s) server kill -9; \(crashes) processes died by themselves")
        line("calls recorded: \(calls.count) task creations (\(c.total("committed")) committed, \(c.total("u.unknown")) unknown outcome, \(c.total("u.in-flight")) in flight at a producer kill, \(c.total("f.failed")) failed before commit)")
        line()
        line("-- tasks the producer saw commit --")
        header()
        row("seen committed (the call returned)", "committed")
        row("  ran exactly once", "c.once")
        row("  ran more than once", "c.more")
        row("    extra runs explained by a kill of their worker", "c.dup-" + Explanation.kill.rawValue)
        row("    extra runs explained by a server restart / kill -9", "c.dup-" + Explanation.server.rawValue)
        row("    extra runs after a process died by itself", "c.dup-" + Explanation.crash.rawValue)
        row("    extra runs UNEXPLAINED", "c.dup-unexplained")
        row("  never ran, row final or missing (LOST)", "c.lost")
        row("  never ran, row still running/initialized (STUCK)", "c.never-stuck")
        row("  row now succeeded", "c.status-succeeded")
        row("  row now failed", "c.status-failed")
        row("  row now running", "c.status-running")
        row("  row now initialized", "c.status-initialized")
        row("  no row at all", "c.status-no row")
        line()
        line("-- rows still running or initialized after the settle time (all chaos rows) --")
        header()
        row("running, its handler ran (ledger row): no final status", "s.running-ran")
        row("  its process was killed after that run began", "s.running-ran-killed")
        row("  its process was not killed (final status write lost?)", "s.running-ran-alive")
        row("running, its handler never ran", "s.running-never")
        row("initialized", "s.initialized")
        line()
        line("-- orders (written in the task's transaction; run has none) --")
        header()
        row("tasks without an order", "o.task-no-order", onlyOrders: true)
        row("orders without a task", "o.order-no-task", onlyOrders: true)
        line()
        line("-- calls whose outcome the producer did not know --")
        header()
        row("error at or after COMMIT (unknown outcome)", "u.unknown")
        row("in flight when the producer was killed", "u.in-flight")
        row("  committed after all (row found)", "u.committed")
        row("    ran exactly once", "u.once")
        row("    ran more than once", "u.more")
        row("    extra runs UNEXPLAINED", "u.dup-unexplained")
        row("    never ran, row final or missing (LOST)", "u.lost")
        row("    never ran, row still running/initialized (STUCK)", "u.never-stuck")
        row("  not committed (no row, no order)", "u.not-committed")
        row("  order without its task (atomicity broken)", "u.order-only")
        line()
        line("-- calls that failed before their commit (retried as new tasks) --")
        header()
        row("failed before COMMIT", "f.failed")
        row("  yet a row, order or run exists (PHANTOM)", "f.phantom")
        line()
        line("rows with no producer record: \(unaccountedRows); ledger runs of tasks with no row: \(orphanRuns)")
        line(
            "the library's logs: \(logCounts.statusWriteErrors) final status writes given up or refused, \(logCounts.statusWriteRetries) retried, "
                + "\(logCounts.claimErrors) failed claims, \(logCounts.rescues) rescues, \(logCounts.givenUp) tasks given up")

        var failures: [String] = []
        let lost = c.total("c.lost") + c.total("u.lost")
        let stuck = c.total("s.running-ran") + c.total("s.running-never") + c.total("s.initialized")
        let unexplained = c.total("c.dup-unexplained") + c.total("u.dup-unexplained")
        if lost > 0 { failures.append("\(lost) committed tasks never ran (lost)") }
        if stuck > 0 { failures.append("\(stuck) rows still running or initialized after \(Int(settleSeconds)) s") }
        if unexplained > 0 { failures.append("\(unexplained) unexplained duplicate runs") }
        let orderBreaks = c.total("o.task-no-order") + c.total("o.order-no-task")
        if orderBreaks > 0 { failures.append("\(orderBreaks) tasks and orders not written together") }
        if c.total("f.phantom") > 0 { failures.append("\(c.total("f.phantom")) calls that failed before COMMIT left rows") }
        if c.total("c.status-no row") > 0 { failures.append("\(c.total("c.status-no row")) committed tasks have no row") }
        if unaccountedRows > 0 { failures.append("\(unaccountedRows) rows the producer never recorded") }
        if crashes > 0 { failures.append("\(crashes) processes died without being killed") }

        let exampleNames = [
            "c.lost", "u.lost", "c.never-stuck", "u.never-stuck", "c.dup-unexplained", "u.dup-unexplained",
            "o.task-no-order", "o.order-no-task", "u.order-only", "u.ran-without-row", "f.phantom", "unaccounted",
        ]
        for name in exampleNames {
            guard let list = examples[name], !list.isEmpty else { continue }
            line()
            line("examples of \(name):")
            for e in list { line("  " + e) }
        }
        line()
        if failures.isEmpty {
            line("RESULT: PASS: every committed task ran at least once, nothing is stuck, every duplicate is explained")
        } else {
            line("RESULT: FAIL")
            for f in failures { line("  - " + f) }
        }
        return ChaosReport(text: out, failed: !failures.isEmpty)
    }
}
