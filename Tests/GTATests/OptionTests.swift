import Testing

@testable import GTA

@Suite struct OptionTests {
    @Test func defaultsAreTheOriginals() throws {
        let config = try TaskManager.Configuration([])
        #expect(config.storageTimeout == .seconds(7 * 24 * 3600))
        #expect(config.initializedTimeout == .seconds(300))
        #expect(config.runningTimeout == .seconds(1800))
        #expect(config.scanInterval == .seconds(5))
        #expect(config.instantScanInterval == .milliseconds(100))
        #expect(config.waitTimeout == nil)
        #expect(config.dryRun == false)
        #expect(config.poolSize == nil)
        #expect(config.ctxMarshaler is DefaultCtxMarshaler)
        #expect(config.loggerFactory(.topLevel).label == "gta")
    }

    @Test func optionsApply() throws {
        let config = try TaskManager.Configuration([
            .withStorageTimeout(.seconds(3600)), .withInitializedTimeout(.seconds(120)), .withRunningTimeout(.seconds(300)),
            .withScanInterval(.seconds(1)), .withInstantScanInterval(.milliseconds(50)), .withWaitTimeout(.seconds(9)),
            .withDryRun(true), .withPoolSize(3),
        ])
        #expect(config.storageTimeout == .seconds(3600))
        #expect(config.initializedTimeout == .seconds(120))
        #expect(config.runningTimeout == .seconds(300))
        #expect(config.scanInterval == .seconds(1))
        #expect(config.instantScanInterval == .milliseconds(50))
        #expect(config.waitTimeout == .seconds(9))
        #expect(config.dryRun)
        #expect(config.poolSize == 3)
    }

    static let broken: [(String, [Option], String)] = [
        ("storage 0", [.withStorageTimeout(.zero)], "storage timeout must be > 0"),
        ("initialized 0", [.withInitializedTimeout(.zero)], "initialized timeout must be > 0"),
        ("running negative", [.withRunningTimeout(.seconds(-1))], "running timeout must be > 0"),
        ("scan 0", [.withScanInterval(.zero)], "scan interval must be > 0"),
        ("instant 0", [.withInstantScanInterval(.zero)], "instant scan interval must be > 0"),
        ("wait 0", [.withWaitTimeout(.zero)], "wait timeout must be > 0"),
        ("pool 0", [.withPoolSize(0)], "pool size must be > 0"),
        ("initialized > storage", [.withStorageTimeout(.seconds(60)), .withInitializedTimeout(.seconds(61)), .withRunningTimeout(.seconds(30)), .withScanInterval(.seconds(1))], "initialized timeout"),
        ("running > storage", [.withStorageTimeout(.seconds(60)), .withInitializedTimeout(.seconds(30)), .withRunningTimeout(.seconds(61)), .withScanInterval(.seconds(1))], "running timeout"),
        ("scan > initialized", [.withInitializedTimeout(.seconds(4))], "scan interval"),
        ("scan > running", [.withRunningTimeout(.seconds(4))], "scan interval"),
        ("scan > storage", [.withStorageTimeout(.seconds(4)), .withInitializedTimeout(.seconds(4)), .withRunningTimeout(.seconds(4))], "scan interval"),
        ("instant > scan", [.withScanInterval(.seconds(1)), .withInstantScanInterval(.seconds(2))], "instant scan interval"),
    ]

    @Test(arguments: broken)
    func eachRuleNamesItself(_ name: String, _ options: [Option], _ rule: String) {
        do {
            _ = try TaskManager.Configuration(options)
            Issue.record("\(name): accepted")
        } catch let error as GTAError {
            #expect(error.code == .optionInvalid, "\(name)")
            #expect(error.message.contains(rule), "\(name): \(error.message)")
            #expect(GTAError.is(error, .optionInvalid))
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    @Test func equalLimitsAreAllowed() throws {
        _ = try TaskManager.Configuration([
            .withStorageTimeout(.seconds(10)), .withInitializedTimeout(.seconds(10)), .withRunningTimeout(.seconds(10)),
            .withScanInterval(.seconds(10)), .withInstantScanInterval(.seconds(10)),
        ])
    }

    @Test func builtinLoopIntervals() throws {
        let config = try TaskManager.Configuration([])
        #expect(CleanUpTask.loopInterval(config) == .seconds(7 * 24 * 3600 / 2))
        // min(300/2, 1800/2, 15 * 5) = 75 s
        #expect(CheckAbnormalTask.loopInterval(config) == .seconds(75))
        let short = try TaskManager.Configuration([.withInitializedTimeout(.seconds(20)), .withScanInterval(.seconds(2))])
        #expect(CheckAbnormalTask.loopInterval(short) == .seconds(10))
    }

    @Test func jitterStaysWithinTwentyPercent() {
        for _ in 0..<1000 {
            let d = Duration.seconds(10).jittered()
            #expect(d >= .seconds(10) && d <= .seconds(12))
        }
    }
}

@Suite struct ObservabilityOptionTests {
    @Test func defaults() throws {
        let config = try TaskManager.Configuration([])
        #expect(config.metrics == true)
        #expect(config.metricsFactory == nil)
        #expect(config.metricsPrefix == "gta_")
        #expect(config.queueMetricsInterval == .seconds(15))
        #expect(config.tracer == nil)
    }

    @Test func optionsApply() throws {
        let config = try TaskManager.Configuration([
            .withMetrics(false), .withMetricsPrefix("app:gta_"), .withQueueMetricsInterval(.seconds(2)),
        ])
        #expect(config.metrics == false)
        #expect(config.metricsPrefix == "app:gta_")
        #expect(config.queueMetricsInterval == .seconds(2))
        #expect(try TaskManager.Configuration([.withQueueMetricsInterval(nil)]).queueMetricsInterval == nil)
        #expect(try TaskManager.Configuration([.withMetricsPrefix("")]).metricsPrefix == "")
    }

    @Test(arguments: ["9gta_", "gta-", "gta ", "gtä_"])
    func aPrefixThatIsNoMetricNameIsRefused(_ prefix: String) {
        #expect(throws: GTAError.optionInvalid) { try TaskManager.Configuration([.withMetricsPrefix(prefix)]) }
    }

    @Test func aQueueMetricsIntervalMustBePositive() {
        #expect(throws: GTAError.optionInvalid) { try TaskManager.Configuration([.withQueueMetricsInterval(.zero)]) }
    }
}
