import GTA
import GTAMariaDB

/// B0i: the insert floor. `mysqlslap`, `--producers` clients, `--tasks` autocommitted INSERTs
/// of a new task row (the statement `run` sends) in all: the most `run` calls per second any
/// library can commit on this server. B1's floor.
enum InsertFloor: Scenario {
    static let id = "B0i"

    /// Inserts per second, by mysqlslap's own count of seconds.
    static func measure(_ bench: BenchContext, run _: Int) throws -> Double {
        let o = bench.options
        let perClient = (o.tasks + o.producers - 1) / o.producers
        let seconds = try CFloor.slap(configuration: bench.configuration, query: CFloor.insertQuery, statements: perClient * o.producers,
                                      concurrency: o.producers, binary: o.mysqlslap)
        return Double(perClient * o.producers) / seconds
    }

    static func result(of rates: [Double], _ bench: BenchContext) -> ScenarioResult {
        ScenarioResult(id: id, name: "insert floor, mysqlslap", unit: "rows/s", figure: Summary(values: rates),
                       details: [("concurrency", .int(bench.options.producers)), ("inserts", .int(bench.options.tasks))])
    }
}
