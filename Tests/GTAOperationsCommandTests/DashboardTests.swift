import Foundation
import GTA
import GTADashboard
import GTAOperations
import HTTPTypes
import Hummingbird
import Testing

/// An application's own authentication: only requests with `X-User: admin` get through.
struct AdminOnly: RouterMiddleware {
    typealias Context = BasicRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[HTTPField.Name("X-User")!] == "admin" else { return Response(status: .unauthorized) }
        return try await next(request, context)
    }
}

@Suite struct DashboardTests {
    @Test func everyValueFromARowIsShownAsText() async throws {
        try await withTable(.sqlite) { table in
            let id = try await table.insert(
                "k<i>x", .failed, argument: #"{"html":"<script>alert(1)</script>","q":"\"'&"}"#,
                extra: #"{"attempts":1,"last_error":"<img src=x onerror=alert(2)>"}"#)
            try await table.insert("k<i>x", .running, age: 1, extra: #"{"owner":"\"><script>alert(3)</script>","runs":1}"#)
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, actions: .token("t0ken")) { base in
                let pages = [
                    try await fetch(base), try await fetch(base.appendingPathComponent("tasks")),
                    try await fetch(URL(string: "tasks/\(id)", relativeTo: base)!),
                    try await fetch(URL(string: "rerun?ids=\(id)", relativeTo: base)!),
                ]
                for page in pages {
                    #expect(page.status == 200)
                    #expect(!page.body.contains("<script") && !page.body.contains("<img") && !page.body.contains("<i>x"))
                    #expect(page.body.contains("k&lt;i&gt;x"))
                    #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
                    #expect(!page.body.contains("http://") && !page.body.contains("https://"))  // nothing from elsewhere
                }
                #expect(pages[0].body.contains("&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"))
                #expect(pages[2].body.contains("&quot;html&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"))
                #expect(pages[2].body.contains("&lt;img src=x onerror=alert(2)&gt;"))
                #expect(pages[2].body.contains("&quot;q&quot;: &quot;\\&quot;&#39;&amp;&quot;"))
            }
        }
    }

    @Test func actionsNeedTheTokenAsAFormFieldOrAHeader() async throws {
        try await withTable(.sqlite) { table in
            let a = try await table.insert("k", .failed)
            let b = try await table.insert("k", .failed)
            let c = try await table.insert("k", .failed)
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, actions: .token("t0ken")) { base in
                let rerun = base.appendingPathComponent("rerun")
                let confirm = try await fetch(URL(string: "rerun?ids=\(a)", relativeTo: base)!)
                #expect(confirm.status == 200)
                #expect(confirm.body.contains("<input type=\"hidden\" name=\"ids\" value=\"\(a)\">"))
                #expect(confirm.body.contains("<input type=\"password\" name=\"token\""))
                #expect(confirm.body.contains("action=\"/admin/tasks/rerun\""))
                #expect(try await fetch(rerun, method: "POST", form: [("ids", "\(a)")]).status == 403)
                #expect(try await fetch(rerun, method: "POST", form: [("ids", "\(a)"), ("token", "wrong")]).status == 403)
                #expect(try await fetch(rerun, method: "POST", form: [("ids", "\(a)"), ("token", "t0ke")]).status == 403)
                #expect(try await table.status(a) == .failed)
                let done = try await fetch(rerun, method: "POST", form: [("ids", "\(a)"), ("token", "t0ken")])
                #expect(done.status == 200 && done.body.contains("Moved <b id=\"moved\">1</b> of 1 task"))
                #expect(try await table.status(a) == .initialized)
                let header = try await fetch(rerun, method: "POST", form: [("ids", "\(b)")], headers: ["X-GTA-Token": "t0ken"])
                #expect(header.status == 200)
                #expect(try await table.status(b) == .initialized)
                let bearer = try await fetch(rerun, method: "POST", form: [("ids", "\(c)")], headers: ["Authorization": "Bearer t0ken"])
                #expect(bearer.status == 200)
                #expect(try await table.status(c) == .initialized)
            }
        }
    }

    @Test func aFilterRerunConfirmsTheCountItMoves() async throws {
        try await withTable(.sqlite) { table in
            for _ in 0..<3 { try await table.insert("mail", .failed) }
            try await table.insert("crm", .failed)
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, actions: .token("t0ken")) { base in
                let list = try await fetch(URL(string: "tasks?status=failed&key=mail", relativeTo: base)!)
                #expect(list.body.contains("href=\"/admin/tasks/rerun?status=failed&amp;key=mail\""))
                let confirm = try await fetch(URL(string: "rerun?status=failed&key=mail", relativeTo: base)!)
                #expect(confirm.body.contains("Rerun 3 tasks") && confirm.body.contains("name=\"expected\" value=\"3\""))
                let rerun = base.appendingPathComponent("rerun")
                // A fourth row appeared after the confirmation: refused, nothing moved.
                try await table.insert("mail", .failed)
                let stale = try await fetch(rerun, method: "POST", form: [("status", "failed"), ("key", "mail"), ("expected", "3"), ("token", "t0ken")])
                #expect(stale.status == 409)
                #expect(try await table.count(.failed) == 5)
                let done = try await fetch(rerun, method: "POST", form: [("status", "failed"), ("key", "mail"), ("expected", "4"), ("token", "t0ken")])
                #expect(done.status == 200)
                #expect(try await table.count(.failed) == 1)
            }
        }
    }

    @Test func readOnlyShowsNoActionAndRefusesThem() async throws {
        try await withTable(.sqlite) { table in
            let id = try await table.insert("k", .failed)
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, actions: .disabled) { base in
                let page = try await fetch(URL(string: "tasks/\(id)", relativeTo: base)!)
                #expect(page.status == 200 && !page.body.contains("Rerun") && page.body.contains("read-only"))
                #expect(try await fetch(URL(string: "rerun?ids=\(id)", relativeTo: base)!).status == 403)
                let post = try await fetch(base.appendingPathComponent("rerun"), method: "POST", form: [("ids", "\(id)"), ("token", "")])
                #expect(post.status == 403)
                #expect(try await table.status(id) == .failed)
            }
        }
    }

    @Test func mountedBehindTheApplicationsAuthentication() async throws {
        try await withTable(.sqlite) { table in
            let id = try await table.insert("k", .failed)
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, path: "/ops/gta", actions: .authenticatedByApplication, adminOnly: true) { base in
                #expect(try await fetch(base).status == 401)
                let admin = ["X-User": "admin"]
                let overview = try await fetch(base, headers: admin)
                #expect(overview.status == 200 && overview.body.contains("href=\"/ops/gta/tasks?status=failed\""))
                let rerun = base.appendingPathComponent("rerun")
                #expect(try await fetch(rerun, method: "POST", form: [("ids", "\(id)")]).status == 401)
                // Another site making an admin's browser post.
                let crossSite = try await fetch(rerun, method: "POST", form: [("ids", "\(id)")], headers: admin.merging(["Origin": "http://evil.example"]) { $1 })
                #expect(crossSite.status == 403)
                let fetchSite = try await fetch(rerun, method: "POST", form: [("ids", "\(id)")], headers: admin.merging(["Sec-Fetch-Site": "cross-site"]) { $1 })
                #expect(fetchSite.status == 403)
                #expect(try await table.status(id) == .failed)
                let sameOrigin = "http://\(base.host!):\(base.port!)"
                let done = try await fetch(rerun, method: "POST", form: [("ids", "\(id)")], headers: admin.merging(["Origin": sameOrigin]) { $1 })
                #expect(done.status == 200)
                #expect(try await table.status(id) == .initialized)
            }
        }
    }

    @Test func unknownIdsAndBadInputAnswerWithTheirStatus() async throws {
        try await withTable(.sqlite) { table in
            for _ in 0..<5 { try await table.insert("k", .succeeded) }
            let ops = try TaskOperations(db: table.db, table: table.name)
            try await withDashboard(ops, actions: .token("t")) { base in
                #expect(try await fetch(URL(string: "tasks/424242", relativeTo: base)!).status == 404)
                #expect(try await fetch(URL(string: "tasks/abc", relativeTo: base)!).status == 400)
                #expect(try await fetch(URL(string: "tasks?older_than=soon", relativeTo: base)!).status == 400)
                let first = try await fetch(URL(string: "tasks?limit=2", relativeTo: base)!)
                let next = try #require(first.body.range(of: #"tasks\?after=\d+&amp;limit=2"#, options: .regularExpression))
                let second = try await fetch(URL(string: String(first.body[next]).replacingOccurrences(of: "&amp;", with: "&"), relativeTo: base)!)
                #expect(second.status == 200 && second.body.contains("First page"))
            }
        }
    }
}
