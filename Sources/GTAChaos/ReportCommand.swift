import GTA
import GTAMariaDB

/// `gta-chaos report --url URL --dir DIR [--settle S] [--seed S] [--tasks N]`: the accounting
/// again, from a finished run's files and database.
enum ReportCommand {
    static func main(_ arguments: [String]) async throws -> Int32 {
        let flags = try Flags(arguments)
        try flags.check(allowed: ["url", "dir", "settle", "seed", "tasks"])
        let db = try MariaDBDatabase(url: try flags.required("url"))
        let report = try await ChaosReport.build(
            dir: try flags.required("dir"), db: db, settleSeconds: try flags.double("settle", 0),
            seed: UInt64(try flags.int("seed", 0)), asked: try flags.int("tasks", 0))
        await db.shutdown()
        emit(report.text)
        return report.failed ? 1 : 0
    }
}
