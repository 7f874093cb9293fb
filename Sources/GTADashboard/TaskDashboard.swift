import Foundation
import GTA
import GTAOperations
import HTTPTypes
import Hummingbird
import NIOCore

/// A web dashboard over one task table: overview, lists, a page per task, and reruns with a
/// confirmation step. Pages are plain HTML with inline CSS: nothing is loaded from elsewhere, so
/// it works offline and behind any proxy.
///
/// Mount it under a path of your application's router:
///
/// ```swift
/// let operations = try TaskOperations(db: db, table: "tasks")
/// let dashboard = TaskDashboard(operations: operations, configuration: .init(path: "/admin/tasks", actions: .token(secret)))
/// dashboard.addRoutes(to: router.group("admin/tasks"))
/// ```
///
/// or let your own authentication guard it:
///
/// ```swift
/// let admin = router.group("admin/tasks").add(middleware: MyAdminAuthMiddleware())
/// TaskDashboard(operations: operations, configuration: .init(path: "/admin/tasks", actions: .authenticatedByApplication))
///     .addRoutes(to: admin)
/// ```
///
/// `gta dashboard` serves it alone (``application(configuration:serverConfiguration:onServerRunning:)``).
public struct TaskDashboard: Sendable {
    /// Who may rerun tasks.
    public enum Actions: Sendable, Hashable {
        /// Read-only: no rerun buttons; every action is refused with 403.
        case disabled
        /// An action needs this token, sent as the form field `token`, the header `X-GTA-Token`
        /// or `Authorization: Bearer <token>`; without it the action is refused with 403.
        case token(String)
        /// The application authenticates every request before it reaches the dashboard (its
        /// middleware on the group the routes are added to). Actions need no token; a browser's
        /// cross-site POST (an `Origin` other than the request's host, or `Sec-Fetch-Site:
        /// cross-site`) is refused with 403, so another site cannot make an admin's browser act.
        case authenticatedByApplication
    }

    /// The dashboard's settings.
    public struct Configuration: Sendable {
        /// Where the routes are mounted, for the links on the pages (`/admin/tasks`). The default
        /// is `/`.
        public var path: String
        /// Who may rerun tasks. The default is ``Actions/disabled`` (read-only).
        public var actions: Actions
        /// Minutes of throughput on the overview. The default is 15.
        public var throughputMinutes: Int
        /// Rows per list page. The default is 50.
        public var pageSize: Int
        /// The name shown in each page's title, such as the table or the service. The default is
        /// the table's name.
        public var title: String?

        public init(path: String = "/", actions: Actions = .disabled, throughputMinutes: Int = 15, pageSize: Int = 50, title: String? = nil) {
            self.path = path
            self.actions = actions
            self.throughputMinutes = throughputMinutes
            self.pageSize = pageSize
            self.title = title
        }
    }

    public let operations: TaskOperations
    public let configuration: Configuration

    public init(operations: TaskOperations, configuration: Configuration = Configuration()) {
        self.operations = operations
        self.configuration = configuration
    }

    /// The name of the header that carries the token.
    public static let tokenHeader = HTTPField.Name("X-GTA-Token")!

    /// Adds the dashboard's routes at the root of `routes`: a router, or the group of the path
    /// given in ``Configuration/path``. Middleware added to that group before this call (your
    /// authentication) runs before every page.
    public func addRoutes<Routes: RouterMethods>(to routes: Routes) {
        let pages = Pages(operations: operations, configuration: configuration)
        routes.get("/") { request, _ in await pages.respond { try await pages.overview(request) } }
        routes.get("tasks") { request, _ in await pages.respond { try await pages.list(request) } }
        routes.get("tasks/:id") { request, context in
            await pages.respond { try await pages.task(id: context.parameters.get("id"), request) }
        }
        routes.get("rerun") { request, _ in await pages.respond { try await pages.confirmRerun(request) } }
        routes.post("rerun") { request, _ in
            var request = request
            let body = try? await request.collectBody(upTo: 1 << 20)
            let form = FormData.parse(body.map { String(buffer: $0) } ?? "")
            return await pages.respond { try await pages.rerun(request, form: form) }
        }
    }

    /// A Hummingbird application that serves the dashboard alone, at ``Configuration/path``.
    public static func application(
        configuration: Configuration, operations: TaskOperations, serverConfiguration: ApplicationConfiguration,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        let dashboard = TaskDashboard(operations: operations, configuration: configuration)
        let trimmed = configuration.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if trimmed.isEmpty {
            dashboard.addRoutes(to: router)
        } else {
            dashboard.addRoutes(to: router.group(RouterPath(trimmed)))
        }
        return Application(router: router, configuration: serverConfiguration, onServerRunning: onServerRunning, logger: logger)
    }
}
