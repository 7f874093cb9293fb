import Foundation
import GTA
import GTAMariaDB

#if canImport(Glibc)
import Glibc
#endif

/// What a run asks for (`gta-chaos run --help`).
struct RunConfig {
    var url: String
    var dir: String
    var serverScript: String
    var tasks: Int
    var workers: Int
    var kills: Int
    var producerKills: Int
    var serverRestarts: Int
    var serverKill9: Int
    var seed: UInt64
    var settle: Double
    var duration: Double
    var concurrency: Int
    var managerArguments: [String]

    static let optionNames: Set<String> = [
        "url", "dir", "server-script", "tasks", "workers", "kills", "producer-kills", "server-restarts",
        "server-kill9", "seed", "settle", "duration", "concurrency", "short",
    ]

    init(_ arguments: [String]) throws {
        let flags = try Flags(arguments, switches: ["short"])
        try flags.check(allowed: Self.optionNames.union(ChaosManager.optionNames))
        let short = flags.has("short")
        url = try flags.required("url")
        dir = try flags.required("dir")
        serverScript = try flags.required("server-script")
        tasks = try flags.int("tasks", short ? 1000 : 10000)
        workers = max(1, try flags.int("workers", short ? 2 : 4))
        kills = try flags.int("kills", short ? 3 : 8)
        producerKills = try flags.int("producer-kills", 1)
        serverRestarts = try flags.int("server-restarts", short ? 1 : 2)
        serverKill9 = try flags.int("server-kill9", short ? 1 : 2)
        seed = UInt64(try flags.int("seed", 1))
        settle = try flags.double("settle", short ? 90 : 120)
        duration = max(5, try flags.double("duration", short ? 40 : 150))
        concurrency = max(1, try flags.int("concurrency", 4))
        managerArguments = []
        for name in ChaosManager.optionNames.sorted() {
            if let value = flags.string(name) { managerArguments += ["--\(name)", value] }
        }
    }
}

/// `gta-chaos run`: the whole chaos test. Starts workers and the producer, disrupts them and
/// the server on a seeded schedule, lets the system settle, then accounts (``ChaosReport``).
final class Orchestrator {
    enum Disruption: String {
        case killWorker = "kill-worker"
        case killProducer = "kill-producer"
        case serverRestart = "server-restart"
        case serverKill9 = "server-kill9"
    }

    let config: RunConfig
    let executable: String
    let events: LineLog
    var workers: [Child] = []
    var producer: Child?
    var producerIncarnation = 0
    var workerSerial = 0
    var producerDone = false
    var producerExit: Int32?
    var random: SeededRandom

    init(config: RunConfig) throws {
        self.config = config
        self.executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        try FileManager.default.createDirectory(atPath: config.dir, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: config.dir)) ?? [] {
            try? FileManager.default.removeItem(atPath: config.dir + "/" + name)
        }
        events = try LineLog(path: config.dir + "/events.log")
        random = SeededRandom(seed: config.seed)
    }

    func event(_ kind: String, pid: Int32 = 0, _ detail: String = "") {
        let us = nowMicros()
        events.append("\(us)\t\(kind)\t\(pid)\t\(oneLine(detail))")
        say("\(formatMicros(us)) \(kind)\(pid != 0 ? " pid=\(pid)" : "")\(detail.isEmpty ? "" : " \(detail)")")
    }

    func say(_ line: String) {
        emit("chaos: \(line)")
    }

    func run() async throws -> Int32 {
        let c = config
        say("\(c.tasks) tasks in about \(Int(c.duration)) s, \(c.workers) workers, \(c.kills) worker kills, \(c.producerKills) producer kills, \(c.serverRestarts) clean server restarts, \(c.serverKill9) server kill -9, seed \(c.seed), settle up to \(Int(c.settle)) s; files in \(c.dir)")
        let db = try MariaDBDatabase(url: c.url)
        try await ChaosSchema.recreate(on: db)
        event("setup", "tables recreated")

        for _ in 0..<c.workers { try startWorker() }
        try startProducer()

        let schedule = makeSchedule()
        say("schedule: " + schedule.map { "\($0.kind.rawValue)@\(String(format: "%.1f", $0.at))s" }.joined(separator: ", "))
        let t0 = ContinuousClock.now
        for planned in schedule {
            let at = t0 + .milliseconds(Int(planned.at * 1000))
            while ContinuousClock.now < at {
                try await watchChildren()
                try await Task.sleep(for: min(.milliseconds(200), at - ContinuousClock.now))
            }
            try await perform(planned.kind)
        }
        // Production ends when the producer has its tasks (or gives up at its deadline).
        let hardStop = ContinuousClock.now + .seconds(c.duration * 3 + 120)
        while !producerDone {
            try await watchChildren()
            if ContinuousClock.now > hardStop, let producer {
                event("producer-timeout", pid: producer.pid, "killed: it did not finish in time")
                producer.sigkill()
                producerDone = true
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        event("produce-end", producerExit.map { "producer exit status \($0)" } ?? "")

        try await settle(db: db)
        event("settle-end")

        let report = try await ChaosReport.build(dir: c.dir, db: db, settleSeconds: c.settle, seed: c.seed, asked: c.tasks)
        try report.text.write(toFile: c.dir + "/report.txt", atomically: true, encoding: .utf8)
        emit(report.text)

        await stopWorkers()
        await db.shutdown()
        return report.failed ? 1 : 0
    }

    // MARK: Children

    func startWorker() throws {
        workerSerial += 1
        let child = try Child(
            name: "worker-\(workerSerial)", executable: executable,
            arguments: ["worker", "--url", config.url] + config.managerArguments,
            log: "\(config.dir)/worker-\(workerSerial).log")
        workers.append(child)
        event("start-worker", pid: child.pid, child.name)
    }

    func startProducer() throws {
        let c = config
        producerIncarnation += 1
        let child = try Child(
            name: "producer-\(producerIncarnation)", executable: executable,
            arguments: [
                "producer", "--url", c.url, "--record", c.dir + "/producer.record", "--tasks", String(c.tasks),
                "--rate", String(Double(c.tasks) / c.duration), "--concurrency", String(c.concurrency),
                "--seed", String(c.seed), "--incarnation", String(producerIncarnation),
                "--deadline", String(Int(c.duration * 3 + 60)),
            ] + c.managerArguments,
            log: "\(c.dir)/producer-\(producerIncarnation).log")
        producer = child
        event("start-producer", pid: child.pid, child.name)
    }

    /// Notices children that ended on their own: a finished producer, or a worker that died
    /// without our kill (a crash: reported, and replaced).
    func watchChildren() async throws {
        if let producer, !producerDone, !producer.isRunning, !producer.killedByUs {
            producerDone = true
            producerExit = producer.exitCode
            event("producer-exit", pid: producer.pid, producer.endDescription)
        }
        for worker in workers where !worker.isRunning && !worker.killedByUs && !worker.reported {
            worker.reported = true
            event("worker-died", pid: worker.pid, "\(worker.name) ended by itself (\(worker.endDescription)); replacing it")
            try startWorker()
        }
    }

    // MARK: Disruptions

    struct Planned {
        var at: Double
        var kind: Disruption
    }

    /// Disruptions at seeded random moments between 10% and 85% of the production window, at
    /// least two seconds apart.
    func makeSchedule() -> [Planned] {
        var kinds: [Disruption] = []
        kinds += Array(repeating: .killWorker, count: config.kills)
        kinds += Array(repeating: .killProducer, count: config.producerKills)
        kinds += Array(repeating: .serverRestart, count: config.serverRestarts)
        kinds += Array(repeating: .serverKill9, count: config.serverKill9)
        kinds.shuffle(using: &random)
        let lo = config.duration * 0.10
        let hi = config.duration * 0.85
        var times = kinds.map { _ in lo + random.unit() * (hi - lo) }.sorted()
        for i in times.indices.dropFirst() { times[i] = max(times[i], times[i - 1] + 2) }
        return zip(times, kinds).map { Planned(at: $0, kind: $1) }
    }

    func perform(_ kind: Disruption) async throws {
        switch kind {
        case .killWorker:
            let live = workers.filter { $0.isRunning }
            guard let victim = live.randomElement(using: &random) else {
                event("kill-worker-skipped", "no worker is running")
                return
            }
            victim.sigkill()
            event("kill-worker", pid: victim.pid, victim.name)
            workers.removeAll { $0 === victim }
            try await Task.sleep(for: .milliseconds(300))
            try startWorker()
        case .killProducer:
            guard let producer, !producerDone, producer.isRunning else {
                event("kill-producer-skipped", "the producer has finished")
                return
            }
            producer.sigkill()
            event("kill-producer", pid: producer.pid, producer.name)
            try await Task.sleep(for: .milliseconds(300))
            try startProducer()
        case .serverRestart:
            event("server-restart-begin")
            let (status, output) = try runServerScript("restart")
            event("server-restart-end", status == 0 ? "" : "FAILED (status \(status)): \(output)")
            if status != 0 { throw ChaosError("scripts/mariadb restart failed: \(output)") }
        case .serverKill9:
            event("server-kill9-begin")
            let (status, output) = try runServerScript("kill")
            event("server-kill9-end", status == 0 ? "" : "FAILED (status \(status)): \(output)")
            if status != 0 { throw ChaosError("scripts/mariadb kill failed: \(output)") }
        }
    }

    func runServerScript(_ command: String) throws -> (Int32, String) {
        let log = config.dir + "/server-\(command).log"
        try? FileManager.default.removeItem(atPath: log)
        let status = try Child.run("/bin/bash", [config.serverScript, command], output: log)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: Settling and stopping

    /// Waits up to the settle time for every chaos row to reach a final status (workers keep
    /// running: a rescue, when the library has one, happens now).
    func settle(db: MariaDBDatabase) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(config.settle * 1000))
        var lastSaid = ContinuousClock.now - .seconds(60)
        while true {
            try await watchChildren()
            var pending: Int?
            do {
                let rows = try await db.query(
                    "SELECT COUNT(*) AS n FROM \(ChaosTables.tasks) WHERE task_key IN (\(ChaosKey.sqlList)) AND task_status IN ('running', 'initialized')")
                pending = Int(try rows.first?.decode(Int64.self, "n") ?? 0)
            } catch {
                say("settle: query failed (\(error)); trying again")
            }
            let left = deadline - ContinuousClock.now
            if let pending {
                if pending == 0 {
                    say("settle: no row is running or initialized")
                    return
                }
                if ContinuousClock.now - lastSaid >= .seconds(10) || left <= .zero {
                    lastSaid = ContinuousClock.now
                    say("settle: \(pending) rows running or initialized, \(max(0, Int(left.components.seconds))) s left")
                }
            }
            if left <= .zero { return }
            try await Task.sleep(for: min(.seconds(2), left))
        }
    }

    func stopWorkers() async {
        let live = workers.filter { $0.isRunning }
        for worker in live { kill(worker.pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(30)
        while live.contains(where: { $0.isRunning }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
        }
        for worker in live where worker.isRunning {
            say("\(worker.name) (pid \(worker.pid)) did not stop in 30 s: SIGKILL")
            worker.sigkill()
        }
        if let producer, producer.isRunning { producer.sigkill() }
    }
}
