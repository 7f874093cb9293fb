/// What the accounting reads: the producer's calls, the rows, the ledger's runs, the events.
extension ChaosReport {
    enum Outcome {
        case ok
        case unknown(String)
        case failed(String)
        /// A `begin` with no outcome: the producer was killed during the call.
        case inFlight
    }

    struct Call {
        var uuid: String
        var path: CreationPath
        var outcome: Outcome = .inFlight
    }

    struct Row {
        var id: UInt64
        var status: String
        var path: CreationPath?
    }

    struct Run {
        var pid: Int64
        var startedUs: Int64
    }

    struct Event {
        var us: Int64
        var kind: String
        var pid: Int64
        var detail: String
    }

    /// Why a handler ran again after an earlier run.
    enum Explanation: String {
        case kill = "a kill of the earlier run's process"
        case crash = "the earlier run's process died by itself"
        case server = "a server restart or kill -9"
    }
}
