import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid` (Foundation's `Process`
/// was seen to miss a child's exit here and hang in `waitUntilExit`). Its standard output and
/// error go to a file, its standard input is `/dev/null`.
final class Child {
    let pid: pid_t
    let name: String
    var killedByUs = false
    var reported = false
    private(set) var waitStatus: Int32?

    init(name: String, executable: String, arguments: [String], log: String) throws {
        self.name = name
        self.pid = try Self.spawn(executable, arguments, output: log)
    }

    /// Whether it still runs (reaps it once it has ended).
    var isRunning: Bool {
        if waitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            waitStatus = status
            return false
        }
        if r < 0 && errno != EINTR {
            waitStatus = -1
            return false
        }
        return true
    }

    /// Blocks until it ends.
    func wait() {
        while waitStatus == nil {
            var status: Int32 = 0
            let r = waitpid(pid, &status, 0)
            if r == pid { waitStatus = status } else if r < 0 && errno != EINTR { waitStatus = -1 }
        }
    }

    func sigkill() {
        killedByUs = true
        kill(pid, SIGKILL)
        wait()
    }

    /// The exit status, or 128 + the signal's number for a process a signal ended.
    var exitCode: Int32? {
        guard let s = waitStatus else { return nil }
        if s < 0 { return -1 }
        let signal = s & 0x7f
        return signal == 0 ? (s >> 8) & 0xff : 128 + signal
    }

    var endDescription: String {
        guard let s = waitStatus else { return "running" }
        if s < 0 { return "unknown end" }
        let signal = s & 0x7f
        return signal == 0 ? "exit status \((s >> 8) & 0xff)" : "killed by signal \(signal)"
    }

    /// Runs `executable` with `arguments` to its end; returns its exit code.
    static func run(_ executable: String, _ arguments: [String], output: String) throws -> Int32 {
        let child = try Child(name: executable, executable: executable, arguments: arguments, log: output)
        child.wait()
        return child.exitCode ?? -1
    }

    private static func spawn(_ executable: String, _ arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0)=\($1)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw ChaosError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }
}
