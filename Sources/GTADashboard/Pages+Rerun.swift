import Foundation
import GTA
import GTAOperations
import HTTPTypes
import Hummingbird
import NIOCore

/// Rerunning tasks from the dashboard: the selection, the confirm page, the action and its
/// authorization.
extension Pages {
    // MARK: Rerun

    func selection(_ values: [String: String]) throws -> RerunSelection {
        if let ids = values["ids"], !ids.isEmpty {
            let parsed = ids.split(whereSeparator: { $0 == "," || $0 == " " }).map { UInt64($0) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw PageError(status: .badRequest, message: "ids must be task ids separated by commas, got '\(ids)'")
            }
            return .ids(parsed.compactMap { $0 })
        }
        let filter = try filter(values)
        guard filter.status != nil else { throw PageError(status: .badRequest, message: "say which tasks to rerun: ids, or status failed or stuck") }
        return .filter(filter)
    }

    func confirmRerun(_ request: Request) async throws -> Response {
        guard actionsEnabled else { throw PageError(status: .forbidden, message: "This dashboard is read-only.") }
        let q = query(request)
        let plan = try await operations.planRerun(try selection(q))
        let hidden: HTML
        switch plan.selection {
        case .ids:
            hidden = "<input type=\"hidden\" name=\"ids\" value=\"\(plan.movable.map { String($0.id) }.joined(separator: ","))\">"
        case .filter(let filter):
            hidden = """
                <input type="hidden" name="status" value="\(q["status"] ?? "")"><input type="hidden" name="key" value="\(filter.key?.rawValue ?? "")">\
                <input type="hidden" name="older_than" value="\(q["older_than"] ?? "")">
                """
        }
        let tokenField: HTML
        if case .token = configuration.actions {
            tokenField = "<label>token <input type=\"password\" name=\"token\" autocomplete=\"off\" required></label>"
        } else {
            tokenField = ""
        }
        let shown = plan.movable.prefix(200)
        let list = HTML.join(shown.map { c -> HTML in
            "<li><a href=\"\(link("/tasks/\(c.id)"))\">\(c.id)</a> \(keyText(c.key)) \(statusBadge(c.status))</li>"
        })
        let skipped = plan.skipped.isEmpty ? HTML("") : """
            <h2>Not moved</h2><ul>\(HTML.join(plan.skipped.map { "<li>\($0.id): \($0.reason ?? "")</li>" }))</ul>
            """
        let form: HTML = plan.movable.isEmpty ? "<p>Nothing to rerun.</p>" : """
            <form method="post" action="\(link("/rerun"))" class="confirm">\(hidden)\
            <input type="hidden" name="expected" value="\(plan.movable.count)">\(tokenField)\
            <button type="submit" class="danger">Rerun \(plan.movable.count) task\(plan.movable.count == 1 ? "" : "s")</button> \
            <a href="\(link("/"))">Cancel</a></form>
            """
        return page("Rerun \(plan.movable.count) task\(plan.movable.count == 1 ? "" : "s")?", """
            <p>These rows will move to <b>initialized</b>, each only from the status shown (a row that moved meanwhile is left alone); \
            a scanner of an instance that registered the key then runs them again.</p>
            <ul class="ids">\(list)</ul>\(plan.movable.count > shown.count ? HTML("<p class=\"muted\">and \(plan.movable.count - shown.count) more</p>") : "")
            \(skipped)\(form)
            """)
    }

    func rerun(_ request: Request, form pairs: [(String, String)]) async throws -> Response {
        var form: [String: String] = [:]
        for (key, value) in pairs { form[key] = value }
        try authorize(request, form: form)
        let selection = try selection(form)
        let plan = try await operations.planRerun(selection)
        if case .filter = selection, let expected = Int(form["expected"] ?? ""), plan.movable.count > expected {
            throw PageError(
                status: .conflict,
                message: "\(plan.movable.count) tasks match now, \(expected) were confirmed: review the rerun again.")
        }
        let result = try await operations.rerun(plan)
        let links = HTML.join(plan.movable.prefix(50).map { "<li><a href=\"\(link("/tasks/\($0.id)"))\">task \($0.id)</a></li>" })
        return page("Rerun done", """
            <p class="ok">Moved <b id="moved">\(result.moved)</b> of \(result.planned) task\(result.planned == 1 ? "" : "s") to initialized.\
            \(result.moved < result.planned ? HTML(" The others moved meanwhile.") : "")</p><ul>\(links)</ul>
            <p><a href="\(link("/"))">Back to the overview</a></p>
            """)
    }

    /// Refuses an action (403) unless the configuration allows it for this request.
    func authorize(_ request: Request, form: [String: String]) throws {
        switch configuration.actions {
        case .disabled:
            throw PageError(status: .forbidden, message: "This dashboard is read-only.")
        case .token(let token):
            var given = form["token"] ?? request.headers[TaskDashboard.tokenHeader]
            if given == nil, let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
                given = String(authorization.dropFirst("Bearer ".count))
            }
            guard let given, !token.isEmpty, Self.constantTimeEqual(given, token) else {
                throw PageError(status: .forbidden, message: "A valid token is needed to rerun tasks.")
            }
        case .authenticatedByApplication:
            if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site" {
                throw PageError(status: .forbidden, message: "Cross-site requests cannot rerun tasks.")
            }
            if let origin = request.headers[HTTPField.Name("Origin")!] {
                let host = request.headers[HTTPField.Name("Host")!] ?? request.head.authority ?? ""
                let originHost = URL(string: origin)?.host.map { h in URL(string: origin)?.port.map { "\(h):\($0)" } ?? h }
                guard let originHost, originHost == host else {
                    throw PageError(status: .forbidden, message: "Cross-site requests cannot rerun tasks.")
                }
            }
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
