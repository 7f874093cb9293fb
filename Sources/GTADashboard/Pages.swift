import Foundation
import GTA
import GTAOperations
import HTTPTypes
import Hummingbird
import NIOCore

/// A page that cannot be shown, with the status to answer.
struct PageError: Error {
    var status: HTTPResponse.Status
    var message: String
}

/// The dashboard's pages, each a function of a request.
struct Pages: Sendable {
    let operations: TaskOperations
    let configuration: TaskDashboard.Configuration
    /// The mount path without a trailing `/` (`""` at the root).
    let base: String

    init(operations: TaskOperations, configuration: TaskDashboard.Configuration) {
        self.operations = operations
        self.configuration = configuration
        var base = configuration.path.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        if !base.isEmpty, !base.hasPrefix("/") { base = "/" + base }
        self.base = base
    }

    var title: String { configuration.title ?? operations.table.description }
    var actionsEnabled: Bool { configuration.actions != .disabled }

    // MARK: Responses

    func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as PageError {
            return page("Error", "<p class=\"error\">\(error.message)</p>", status: error.status)
        } catch let error as OperationsError {
            let status: HTTPResponse.Status = error.code == .notFound ? .notFound : error.code == .invalidArgument ? .badRequest : .internalServerError
            return page("Error", "<p class=\"error\">\(error.message)</p>", status: status)
        } catch {
            return page("Error", "<p class=\"error\">The database failed: \(String(describing: error))</p>", status: .internalServerError)
        }
    }

    func page(_ heading: String, _ content: HTML, status: HTTPResponse.Status = .ok) -> Response {
        let nav: HTML = """
            <nav><a class="brand" href="\(link("/"))">gta · \(title)</a>\
            <a href="\(link("/"))">Overview</a>\
            <a href="\(link("/tasks", ["status": "failed"]))">Failed</a>\
            <a href="\(link("/tasks", ["status": "stuck"]))">Stuck</a>\
            <a href="\(link("/tasks", ["status": "initialized"]))">Waiting</a>\
            <a href="\(link("/tasks", ["status": "running"]))">Running</a>\
            <a href="\(link("/tasks"))">All</a>\
            \(actionsEnabled ? "" : HTML("<span class=\"ro\">read-only</span>"))</nav>
            """
        let document: HTML = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(heading) · gta · \(title)</title><style>\(Self.css)</style></head>
            <body>\(nav)<main><h1>\(heading)</h1>\(content)</main></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        // Nothing from elsewhere, no script, no framing; forms post only here.
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: document.markup)))
    }

    /// A link under the mount path, with a query.
    func link(_ path: String, _ query: KeyValuePairs<String, String?> = [:]) -> String {
        let q = FormData.query(query.map { ($0.key, $0.value) })
        let full = base + path
        return (full.isEmpty ? "/" : full) + (q.isEmpty ? "" : "?" + q)
    }

    func query(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in FormData.parse(request.uri.query ?? "") { result[key] = value }
        return result
    }

    // MARK: Overview

    func overview(_ request: Request) async throws -> Response {
        let now = Date()
        let stats = try await operations.stats(now: now)
        let throughput = try await operations.throughput(minutes: max(1, configuration.throughputMinutes), now: now)
        let statuses = stats.statuses
        let totals = HTML.join(statuses.map { status in
            "<div class=\"card\"><div class=\"n\">\(stats.total(status))</div><div>\(statusBadge(status))</div></div>"
        } + [
            "<div class=\"card\"><div class=\"n\">\(stats.keys.reduce(0) { $0 + $1.stuck })</div><div><a href=\"\(link("/tasks", ["status": "stuck"]))\">stuck</a></div></div>",
            "<div class=\"card\"><div class=\"n\">\(stats.instances.count)</div><div>instances</div></div>",
        ])
        let header = HTML.join(statuses.map { "<th class=\"num\">\(statusBadge($0))</th>" })
        let rows = HTML.join(stats.keys.map { key -> HTML in
            let cells = HTML.join(statuses.map { status -> HTML in
                let n = key[status]
                return n == 0 ? "<td class=\"num zero\">0</td>"
                    : "<td class=\"num\"><a href=\"\(link("/tasks", ["key": key.key.rawValue, "status": status.rawValue]))\">\(n)</a></td>"
            })
            let lag = key.queueLag(at: now).map { HTML("\($0.readable)") } ?? "–"
            let stuck: HTML = key.stuck == 0 ? "<td class=\"num zero\">0</td>"
                : "<td class=\"num warn\"><a href=\"\(link("/tasks", ["key": key.key.rawValue, "status": "stuck"]))\">\(key.stuck)</a></td>"
            return "<tr><td><a href=\"\(link("/tasks", ["key": key.key.rawValue]))\">\(keyText(key.key))</a></td>\(cells)<td class=\"num\">\(lag)</td>\(stuck)</tr>"
        })
        let keysTable: HTML = stats.keys.isEmpty ? "<p class=\"muted\">No tasks in this table.</p>" : """
            <table><thead><tr><th>key</th>\(header)<th class="num">queue lag</th><th class="num">stuck</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        let peak = max(1, throughput.map { max($0.succeeded, $0.failed) }.max() ?? 1)
        let bars = HTML.join(throughput.reversed().map { minute -> HTML in
            let s = Int((Double(minute.succeeded) / Double(peak) * 100).rounded())
            let f = Int((Double(minute.failed) / Double(peak) * 100).rounded())
            return """
                <tr><td class="mono">\(timeOfDay(minute.minute))</td>\
                <td class="num">\(minute.succeeded)</td><td class="bar"><span class="b ok" style="width:\(s)%"></span></td>\
                <td class="num">\(minute.failed)</td><td class="bar"><span class="b bad" style="width:\(f)%"></span></td></tr>
                """
        })
        let instances = stats.instances.isEmpty ? HTML("<p class=\"muted\">No running row holds a lease.</p>") : """
            <table><thead><tr><th>owner</th><th class="num">running</th><th>last renewal</th><th class="num">expired leases</th></tr></thead><tbody>\
            \(HTML.join(stats.instances.map { i in
                "<tr><td class=\"mono\">\(i.owner)</td><td class=\"num\">\(i.running)</td><td>\(ago(i.lastRenewal, now))</td><td class=\"num\(i.expired > 0 ? " warn" : "")\">\(i.expired)</td></tr>"
            }))</tbody></table>
            """
        let schedules = stats.schedules.isEmpty ? HTML("<p class=\"muted\">No periodic task is scheduled on this table.</p>") : """
            <table><thead><tr><th>key</th><th>schedule</th><th>last due</th><th>next due</th><th class="num">last task</th></tr></thead><tbody>\
            \(HTML.join(stats.schedules.map { s in
                let last: HTML = s.lastTaskID.map { "<a href=\"\(link("/tasks/\($0)"))\">\($0)</a>" } ?? "–"
                let lastDue = s.lastDue.map(timestamp) ?? "–", nextDue = s.nextDue.map(timestamp) ?? "–"
                return "<tr><td>\(keyText(s.key))</td><td class=\"mono\">\(s.schedule)</td><td>\(lastDue)</td><td>\(nextDue)</td><td class=\"num\">\(last)</td></tr>"
            }))</tbody></table>
            """
        return page("Overview", """
            <p class="muted">Table <b>\(operations.table.description)</b> at \(timestamp(now)). Queue lag: the age of a key's oldest \
            <i>initialized</i> row. Stuck: <i>running</i> rows whose lease was not renewed for \(operations.leaseExpiry.readable) \
            (or, without a lease, older than \(operations.runningTimeout.readable)).</p>
            <div class="cards">\(totals)</div>
            <h2>By key</h2>\(keysTable)
            <h2>Throughput, last \(throughput.count) minutes</h2>
            <p class="muted">Rows that became succeeded or failed, by minute of their last update (rows cleaned when they succeed are not counted).</p>
            <table class="tp"><thead><tr><th>minute (UTC)</th><th class="num">succeeded</th><th></th><th class="num">failed</th><th></th></tr></thead><tbody>\(bars)</tbody></table>
            <h2>Instances seen</h2><p class="muted">Lease owners of running rows.</p>\(instances)
            <h2>Schedules</h2><p class="muted">Periodic tasks: one task per due time, whichever instance creates it.</p>\(schedules)
            """)
    }

    // MARK: Lists

    func filter(_ q: [String: String]) throws -> TaskFilter {
        var filter = TaskFilter()
        switch q["status"] ?? "" {
        case "": break
        case "stuck":
            filter.status = .running
            filter.stuck = true
        case let status: filter.status = TaskStatus(rawValue: status)
        }
        if let key = q["key"], !key.isEmpty { filter.key = TaskKey(key) }
        if let older = q["older_than"], !older.isEmpty { filter.olderThan = try DurationText.parse(older) }
        if q["stuck"] == "1" { filter.stuck = true }
        return filter
    }

    func list(_ request: Request) async throws -> Response {
        let q = query(request)
        let filter = try filter(q)
        let now = Date()
        var after: UInt64?
        if let text = q["after"], !text.isEmpty {
            guard let value = UInt64(text) else { throw PageError(status: .badRequest, message: "after must be a task id, got '\(text)'") }
            after = value
        }
        let limit = min(TaskOperations.maximumPageSize, Int(q["limit"] ?? "") ?? configuration.pageSize)
        let page = try await operations.list(filter, after: after, limit: max(1, limit), now: now)
        let statusValue = filter.stuck && filter.status == .running ? "stuck" : filter.status?.rawValue ?? ""
        let options = HTML.join(["", "initialized", "running", "stuck", "succeeded", "failed"].map { value -> HTML in
            "<option value=\"\(value)\"\(value == statusValue ? HTML(" selected") : "")>\(value.isEmpty ? "any status" : value)</option>"
        })
        let form: HTML = """
            <form method="get" action="\(link("/tasks"))" class="filters">
            <label>status <select name="status">\(options)</select></label>
            <label>key <input name="key" value="\(filter.key?.rawValue ?? "")" placeholder="any key"></label>
            <label>older than <input name="older_than" value="\(q["older_than"] ?? "")" placeholder="10m" size="6"></label>
            <button type="submit">Filter</button></form>
            """
        let rows = HTML.join(page.records.map { r -> HTML in
            let error = r.extra.lastError.map { String($0.prefix(120)) } ?? ""
            return """
                <tr><td class="num"><a href="\(link("/tasks/\(r.id)"))">\(r.id)</a></td><td>\(keyText(r.taskKey))</td>\
                <td>\(statusBadge(r.taskStatus))\(operations.isStuck(r, now: now) ? HTML(" <span class=\"status s-stuck\">stuck</span>") : "")</td>\
                <td>\(ago(r.updatedAt, now))</td><td class="num">\(r.extra.runs)</td><td class="num">\(r.extra.attempts)</td>\
                <td class="err">\(error)</td></tr>
                """
        })
        let table: HTML = page.records.isEmpty ? "<p class=\"muted\">No task matches.</p>" : """
            <table><thead><tr><th class="num">id</th><th>key</th><th>status</th><th>updated</th><th class="num">runs</th>\
            <th class="num">attempts</th><th>last error</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        var more: HTML = ""
        if let next = page.nextAfter {
            more = """
                <p class="pager"><a href="\(link("/tasks", ["status": statusValue, "key": filter.key?.rawValue, "older_than": q["older_than"], "after": String(next), "limit": q["limit"]]))">Next page →</a></p>
                """
        }
        if after != nil {
            more = "\(more)<p class=\"pager\"><a href=\"\(link("/tasks", ["status": statusValue, "key": filter.key?.rawValue, "older_than": q["older_than"]]))\">← First page</a></p>"
        }
        var rerunAll: HTML = ""
        if actionsEnabled, ["failed", "stuck"].contains(statusValue), !page.records.isEmpty {
            rerunAll = """
                <p><a class="button" href="\(link("/rerun", ["status": statusValue, "key": filter.key?.rawValue]))">Rerun every \(statusValue) task\(filter.key.map { HTML(" of \($0.rawValue)") })…</a></p>
                """
        }
        return self.page("Tasks", "\(form)\(rerunAll)\(table)\(more)")
    }

    // MARK: One task

    func task(id text: String?, _ request: Request) async throws -> Response {
        guard let text, let id = UInt64(text) else { throw PageError(status: .badRequest, message: "'\(text ?? "")' is not a task id") }
        let now = Date()
        let detail = try await operations.show(id: id, now: now)
        let r = detail.record
        var lease: HTML = "–"
        if let l = detail.lease {
            lease = """
                held by <span class="mono">\(l.owner)</span>, renewed \(ago(l.renewedAt, now)); \
                \(l.expired ? HTML("<b class=\"warn\">expired \(ago(l.expiresAt, now))</b>") : HTML("expires in \(Duration.seconds(Int64(l.expiresAt.timeIntervalSince(now))).readable)"))
                """
        } else if let owner = r.extra.owner {
            lease = "last held by <span class=\"mono\">\(owner)</span>"
        }
        let rerunnable = !detail.isBuiltin && (r.taskStatus == .failed || r.taskStatus == .succeeded || detail.stuck)
        let action: HTML = actionsEnabled && rerunnable
            ? "<p><a class=\"button\" href=\"\(link("/rerun", ["ids": String(r.id)]))\">Rerun this task…</a></p>" : ""
        let problems: HTML = r.problems.isEmpty ? "" : "<p class=\"error\">Columns that did not read: \(r.problems.joined(separator: "; "))</p>"
        func block(_ title: String, _ text: String?) -> HTML {
            guard let text else { return "<h2>\(title)</h2><p class=\"muted\">NULL</p>" }
            return "<h2>\(title)</h2><pre>\(text)</pre>"
        }
        return page("Task \(r.id)", """
            \(problems)\(action)
            <dl>
            <dt>key</dt><dd>\(keyText(r.taskKey))\(detail.isBuiltin ? HTML(" <span class=\"muted\">(built-in)</span>") : "")</dd>
            <dt>status</dt><dd>\(statusBadge(r.taskStatus))\(detail.stuck ? HTML(" <span class=\"status s-stuck\">stuck</span>") : "")</dd>
            <dt>created</dt><dd>\(timestamp(r.createdAt)) (\(ago(r.createdAt, now)))</dd>
            <dt>updated</dt><dd>\(timestamp(r.updatedAt)) (\(ago(r.updatedAt, now)))</dd>
            <dt>lease</dt><dd>\(lease)</dd>
            <dt>runs</dt><dd>\(r.extra.runs) <span class="muted">times moved to running by this library</span></dd>
            <dt>attempts</dt><dd>\(r.extra.attempts) <span class="muted">handler tries in runs that failed</span></dd>
            <dt>lost</dt><dd>\(r.extra.lost) <span class="muted">times its worker was lost and the row rescued</span></dd>
            <dt>last error</dt><dd>\(r.extra.lastError.map { HTML("<pre class=\"err\">\($0)</pre>") } ?? "–")</dd>
            </dl>
            \(block("Argument", detail.prettyArgument))\(block("Context", detail.prettyContext))
            <p class="muted">What the row can tell: when it was created, when its status last changed (or its lease was last renewed), \
            and the counts above, kept in <code>extra</code>. Rows written by the Go original keep <code>{}</code> there.</p>
            """)
    }

    // MARK: Pieces

    func statusBadge(_ status: TaskStatus) -> HTML {
        let cls = status.rawValue.filter { $0.isASCII && $0.isLetter }
        return "<span class=\"status s-\(cls)\">\(status.description)</span>"
    }

    func keyText(_ key: TaskKey) -> HTML {
        key.rawValue.isEmpty ? "<i class=\"muted\">(no key)</i>" : "<span class=\"mono\">\(key.rawValue)</span>"
    }

    func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601).replacingOccurrences(of: "T", with: " ")
    }

    func timeOfDay(_ date: Date) -> String {
        String(timestamp(date).dropFirst(11).prefix(5))
    }

    func ago(_ date: Date, _ now: Date) -> HTML {
        let seconds = Int64(now.timeIntervalSince(date).rounded(.down))
        if seconds < 0 { return "in \(Duration.seconds(-seconds).readable)" }
        return "<span title=\"\(timestamp(date))\">\(Duration.seconds(seconds).readable) ago</span>"
    }

    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        nav{background:#1d2330;padding:.6em 1.2em;display:flex;gap:1.1em;align-items:center;flex-wrap:wrap}
        nav a{color:#cfd6e4;text-decoration:none}nav a:hover{color:#fff}nav .brand{color:#fff;font-weight:600;margin-right:1em}
        nav .ro{margin-left:auto;color:#f5c26b;font-size:.9em}
        main{padding:1em 1.6em 3em;max-width:1200px}h1{font-size:1.5em;margin:.4em 0}h2{font-size:1.1em;margin:1.6em 0 .5em}
        table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08);min-width:40%}
        th,td{padding:.35em .8em;border-bottom:1px solid #e6e8ec;text-align:left;vertical-align:top}th{background:#eef0f4;font-weight:600}
        td.num,th.num{text-align:right}td.zero{color:#b3b8c2}a{color:#2457c5}
        .cards{display:flex;gap:.8em;flex-wrap:wrap;margin:1em 0}.card{background:#fff;padding:.7em 1.1em;min-width:7em;box-shadow:0 1px 2px rgba(0,0,0,.08)}
        .card .n{font-size:1.6em;font-weight:600}
        .status{display:inline-block;padding:0 .5em;border-radius:.7em;font-size:.9em;background:#e3e6eb}
        .s-initialized{background:#dde8fb;color:#1f4fa8}.s-running{background:#fdf0d2;color:#8a5a00}.s-succeeded{background:#dcf3e2;color:#17692f}
        .s-failed{background:#fbdddd;color:#a11d1d}.s-stuck{background:#f7d6f0;color:#861a6f}
        .muted{color:#6b7280}.warn{color:#a11d1d}.error{color:#a11d1d;background:#fff0f0;padding:.6em .9em}.ok{background:#eefaf1;padding:.6em .9em}
        .mono,pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
        pre{background:#fff;padding:.8em 1em;overflow:auto;max-height:28em;box-shadow:0 1px 2px rgba(0,0,0,.08);white-space:pre-wrap;word-break:break-all}
        td.err{color:#a11d1d;max-width:28em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}pre.err{color:#a11d1d}
        dl{display:grid;grid-template-columns:9em 1fr;gap:.3em 1em;background:#fff;padding:1em;box-shadow:0 1px 2px rgba(0,0,0,.08)}dt{color:#6b7280}dd{margin:0}
        .filters{display:flex;gap:1em;align-items:end;flex-wrap:wrap;margin:.5em 0 1em}
        input,select,button{font:inherit;padding:.25em .5em}button,.button{background:#2457c5;color:#fff;border:0;padding:.4em 1em;border-radius:3px;text-decoration:none;display:inline-block}
        button.danger{background:#b42318}.confirm{display:flex;gap:1em;align-items:center;margin-top:1em}
        td.bar{width:30%}.b{display:inline-block;height:.8em}.b.ok{background:#3b9b57;padding:0}.b.bad{background:#c8413b}
        ul.ids{columns:3}
        """
}
