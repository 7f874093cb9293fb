import Foundation
import GTA
import Testing

/// Headless Chromium from Debian's packages (`scripts/install-deps all` installs it).
enum Chromium {
    static let path: String? = {
        if let given = ProcessInfo.processInfo.environment["GTA_CHROMIUM"], !given.isEmpty { return given }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// Whether the browser test runs: when Chromium is there, and always under CI (where its
    /// absence is a failure, not a skip).
    /// The page's DOM after it loaded (and after any navigation its script started).
    static func dumpDOM(_ url: String) throws -> String {
        let chromium = try #require(path, "Chromium is missing: scripts/install-deps all installs Debian's chromium")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("gta-chromium-\(getpid())").path
        let result = try run(
            URL(fileURLWithPath: chromium),
            ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)", "--dump-dom", url],
            timeout: .seconds(90))
        guard result.status == 0, !result.stdout.isEmpty else {
            throw Missing(what: "chromium --dump-dom \(url) failed (\(result.status)): \(result.stderr.suffix(500))")
        }
        return result.stdout
    }
}

/// The dashboard in a real browser: `gta dashboard` serves a test table, Chromium loads the
/// overview, follows a failed task, reruns it through the confirm form with the token, and sees
/// the task succeed once a manager has run it again.
@Suite(.serialized) struct BrowserTests {
    @Test(.timeLimit(.minutes(5)))
    func overviewToAFailedTaskToItsRerunInChromium() async throws {
        try await withTable(.mariadb) { table in
            try await table.insert("resize_image", .succeeded)
            try await table.insert("resize_image", .initialized, age: 30)
            let failed = try await table.insert(
                "resize_image", .failed, argument: #"{"image":"a.png","note":"<script>alert(1)</script>"}"#,
                extra: #"{"runs":1,"attempts":3,"last_error":"decode: not a PNG"}"#)
            // The dashboard, as an operator starts it.
            let process = Process()
            process.executableURL = try builtProduct("gta")
            process.arguments = ["dashboard", "--url", table.url, "--table", table.name, "--port", "0", "--token", "browser-t0ken"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            let firstLine = try await readLine(out.fileHandleForReading, of: process, timeout: .seconds(30))
            #expect(!firstLine.contains("gta-test-password"))
            let base = try #require(firstLine.firstMatch(of: /http:\/\/127\.0\.0\.1:\d+\//).map { String($0.output) }, "\(firstLine)")

            // The overview: counts per key and status.
            let overview = try Chromium.dumpDOM(base)
            #expect(overview.contains("resize_image"))
            let failedLink = try #require(overview.firstMatch(of: /href="(\/tasks\?key=resize_image&amp;status=failed)"/)?.output.1)
            // Follow it to the list of failed tasks, then to the task.
            let list = try Chromium.dumpDOM(base + String(failedLink.dropFirst()).replacingOccurrences(of: "&amp;", with: "&"))
            let taskLink = try #require(list.firstMatch(of: /href="\/(tasks\/\d+)"/)?.output.1)
            #expect(taskLink == "tasks/\(failed)")
            let taskPage = try Chromium.dumpDOM(base + taskLink)
            #expect(taskPage.contains(#"class="status s-failed""#))
            #expect(taskPage.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))  // shown as text...
            #expect(!taskPage.contains("<script>alert"))  // ...never run as a script
            #expect(taskPage.contains("decode: not a PNG"))
            let rerunLink = try #require(taskPage.firstMatch(of: /href="\/(rerun\?ids=\d+)"/)?.output.1)

            // The confirm page, then its form posted by the browser with the token.
            let confirm = try Chromium.dumpDOM(base + rerunLink)
            #expect(confirm.contains("Rerun 1 task"))
            let action = try #require(confirm.firstMatch(of: /<form method="post" action="\/([^"]*)"/)?.output.1)
            var fields = confirm.matches(of: /<input type="hidden" name="(\w+)" value="([^"]*)">/).map { (String($0.output.1), String($0.output.2)) }
            #expect(fields.contains { $0 == ("ids", "\(failed)") })
            #expect(confirm.contains(#"<input type="password" name="token""#))
            fields.append(("token", "browser-t0ken"))
            let inputs = fields.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" }.joined()
            let submit = Backend.directory.appendingPathComponent("submit-\(failed).html")
            try Data("""
                <!DOCTYPE html><html><body><form method="post" action="\(base + action)">\(inputs)</form>
                <script>document.forms[0].submit()</script></body></html>
                """.utf8).write(to: submit)
            let done = try Chromium.dumpDOM(submit.absoluteString)
            #expect(done.contains(#"Moved <b id="moved">1</b> of 1 task"#), "\(done.suffix(800))")
            #expect(try await table.status(failed) == .initialized)
            #expect(try Chromium.dumpDOM(base + taskLink).contains(#"class="status s-initialized""#))

            // A manager that has the key runs it again; the page shows it succeeded.
            let manager = try TaskManager(
                db: table.db, table: table.name, .withScanInterval(.milliseconds(200)), .withInstantScanInterval(.milliseconds(20)))
            try manager.register("resize_image", TaskDefinition { _, _ in })
            manager.start()
            try await eventually { try await table.status(failed) == .succeeded }
            await manager.stop(wait: true)
            let after = try Chromium.dumpDOM(base + taskLink)
            #expect(after.contains(#"class="status s-succeeded""#) && !after.contains(#"class="status s-failed""#))
        }
    }

    /// The first line a process writes, within `timeout` (past it, the process is ended).
    func readLine(_ handle: FileHandle, of process: Process, timeout: Duration) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                while true {
                    let chunk = handle.readData(ofLength: 1)
                    if chunk.isEmpty || chunk.first == UInt8(ascii: "\n") { break }
                    bytes += chunk
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                process.terminate()  // ends the blocked read too
                throw TimedOut()
            }
            let line = try await group.next()!
            group.cancelAll()
            return line
        }
    }
}
