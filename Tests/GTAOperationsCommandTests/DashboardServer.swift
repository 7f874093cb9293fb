import Foundation
import GTA
import GTADashboard
import GTAOperations
import Hummingbird
import Logging
import NIOCore
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The dashboard served in-process on a free loopback port, mounted the way an application
/// mounts it, for the length of `body`.
func withDashboard<T: Sendable>(
    _ operations: TaskOperations, path: String = "/admin/tasks", actions: TaskDashboard.Actions,
    adminOnly: Bool = false,
    _ body: @Sendable (URL) async throws -> T
) async throws -> T {
    let router = Router()
    router.get("/health") { _, _ in "ok" }
    var group = router.group(RouterPath(path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))))
    if adminOnly { group = group.add(middleware: AdminOnly()) }
    TaskDashboard(operations: operations, configuration: .init(path: path, actions: actions)).addRoutes(to: group)
    let port = Mutex<Int?>(nil)
    var logger = Logger(label: "gta.dashboard.test")
    logger.logLevel = .error
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
    let services = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await services.run()
            return nil
        }
        do {
            let deadline = ContinuousClock.now + .seconds(20)
            while port.withLock({ $0 }) == nil {
                guard ContinuousClock.now < deadline else { throw TimedOut() }
                try await Task.sleep(for: .milliseconds(20))
            }
            let base = URL(string: "http://127.0.0.1:\(port.withLock { $0! })\(path.hasSuffix("/") ? path : path + "/")")!
            let result = try await body(base)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            await services.triggerGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// A page as a client saw it.
struct Page {
    var status: Int
    var body: String
    var headers: [String: String]
}

/// Sends one request (no redirects are followed; the dashboard sends none).
func fetch(_ url: URL, method: String = "GET", form: [(String, String)]? = nil, headers: [String: String] = [:]) async throws -> Page {
    var request = URLRequest(url: url)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let form {
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        request.httpBody = Data(
            form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&").utf8)
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
    return Page(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: fields)
}
