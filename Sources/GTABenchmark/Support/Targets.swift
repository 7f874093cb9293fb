/// The targets of issue 11, judged from one invocation's results: each a ratio of two medians
/// of the same run, or a figure against a limit.
enum Targets {
    struct Verdict {
        let name: String
        /// The measured ratio or figure; `nil` when a scenario it needs did not run.
        let value: Double?
        /// `nil`: a figure shown beside the targets, not one.
        let pass: Bool?
    }

    /// The most RSS B1 and B2 may peak at, in MB (the Go original's peak on this machine).
    static let peakRSSLimitMB = 13.0

    static func evaluate(_ results: [ScenarioResult]) -> [Verdict] {
        func find(_ id: String) -> ScenarioResult? { results.first { $0.id == id } }
        func ratio(_ name: String, _ a: String, over b: String, atLeast limit: Double) -> Verdict {
            guard let x = find(a)?.figure.median, let y = find(b)?.figure.median, y > 0 else { return Verdict(name: name, value: nil, pass: nil) }
            return Verdict(name: name, value: x / y, pass: x / y >= limit)
        }
        func atMost(_ name: String, _ value: Double?, _ limit: Double) -> Verdict {
            Verdict(name: name, value: value, pass: value.map { $0 <= limit })
        }
        let latency = find(Latency.id)
        var verdicts = [
            ratio("B1 >= 0.9 x B0i", CommitHook.id, over: InsertFloor.id, atLeast: 0.9),
            ratio("B2 >= 0.8 x B0b", ScanDrain.id, over: BatchFloor.id, atLeast: 0.8),
            ratio("B2x4 >= 1.5 x B2", ScanDrainProcesses.id, over: ScanDrain.id, atLeast: 1.5),
            ratio("B2p16 >= 0.5 x B2", ScanDrainPool16.id, over: ScanDrain.id, atLeast: 0.5),
            atMost("B3 p50 <= 0.5 ms (run start to handler)", latency?.figures["p50"], 0.5),
            atMost("B3 p99 <= 1 ms (run start to handler)", latency?.figures["p99"], 1.0),
        ]
        if let floor = find(LatencyFloor.id), let b3 = latency {
            // Not targets: how far B3 is above one commit's own time in the same run.
            verdicts.append(Verdict(name: "  B0l one insert p50 (B3's floor), ms", value: floor.figures["p50"], pass: nil))
            verdicts.append(Verdict(name: "  B0l one insert p99, ms", value: floor.figures["p99"], pass: nil))
            verdicts.append(Verdict(name: "  B3 p50 above B0l p50, ms", value: b3.figures["p50"].flatMap { a in floor.figures["p50"].map { a - $0 } }, pass: nil))
            verdicts.append(Verdict(name: "  B3 p99 above B0l p99, ms", value: b3.figures["p99"].flatMap { a in floor.figures["p99"].map { a - $0 } }, pass: nil))
        }
        for id in [CommitHook.id, ScanDrain.id] {
            let peak = find(id).flatMap { $0.peakRSS.max() }
            verdicts.append(atMost("M \(id) peak RSS <= 13 MB (worst run)", peak, peakRSSLimitMB))
        }
        return verdicts.filter { $0.value != nil }
    }
}
