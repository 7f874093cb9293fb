import Testing

@testable import GTA

@Suite struct ConfigurationTests {
    @Test func theValueAndTheOptionsMakeTheSameManager() throws {
        var value = TaskManager.Configuration()
        value.poolSize = 16
        value.scanInterval = .seconds(2)
        value.instantScanInterval = .milliseconds(20)
        value.waitTimeout = .seconds(9)
        value.dryRun = true
        let options = try TaskManager.Configuration([
            .withPoolSize(16), .withScanInterval(.seconds(2)), .withInstantScanInterval(.milliseconds(20)),
            .withWaitTimeout(.seconds(9)), .withDryRun(true),
        ])
        #expect(value.poolSize == options.poolSize)
        #expect(value.scanInterval == options.scanInterval)
        #expect(value.instantScanInterval == options.instantScanInterval)
        #expect(value.waitTimeout == options.waitTimeout)
        #expect(value.dryRun == options.dryRun)
        #expect(value.storageTimeout == options.storageTimeout)
    }

    @Test func aValueIsValidatedWhereOptionsAre() {
        var value = TaskManager.Configuration()
        value.poolSize = 0
        #expect(throws: GTAError.optionInvalid) { try value.validate() }
        value.poolSize = nil
        value.instantScanInterval = .seconds(10)
        do {
            try value.validate()
            Issue.record("accepted an instant scan interval above the scan interval")
        } catch let error as GTAError {
            #expect(error.message == "instant scan interval (10s) must be <= scan interval (5s)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theDefaultLoggerIsSwiftLogs() throws {
        let configuration = TaskManager.Configuration()
        #expect(configuration.loggerFactory(.topLevel).label == "gta")
    }

    @Test(arguments: [
        (Duration.seconds(302_400), "3d12h"), (.seconds(90), "1m30s"), (.seconds(300), "5m"), (.milliseconds(1500), "1.5s"),
        (.milliseconds(250), "250ms"), (.microseconds(42), "42µs"), (.zero, "0s"), (.seconds(7200), "2h"), (.seconds(-2), "-2s"),
    ])
    func durationsAreWrittenReadably(_ duration: Duration, _ text: String) {
        #expect(duration.readable == text)
    }

    @Test func keysAreMeasuredAsTheColumnMeasuresThem() throws {
        let registry = Registry()
        // 64 "é" written as e + U+0301: 64 characters, 128 code points (what varchar(64) counts).
        let decomposed = TaskKey(String(repeating: "e\u{301}", count: 64))
        #expect(decomposed.rawValue.count == 64)
        #expect(throws: GTAError.invalidTaskKey) { try registry.register(decomposed, TaskDefinition { _, _ in }) }
        try registry.register(TaskKey(String(repeating: "é", count: 64)), TaskDefinition { _, _ in })
    }
}

@Suite struct AssemblerTests {
    @Test func anArgumentTooLargeForItsColumnIsRefusedBeforeAnySQL() throws {
        #expect(Assembler(defaultMarshaler: DefaultCtxMarshaler()).maximumColumnBytes == 16_777_215)
        // The same rule with a small column, so that the test does not encode 16 MiB.
        var assembler = Assembler(defaultMarshaler: DefaultCtxMarshaler())
        assembler.maximumColumnBytes = 1000
        let definition = TaskDefinition(argumentType: String.self) { _, _ in }
        let large = String(repeating: "a", count: 999)  // plus two quotes
        #expect(throws: GTAError.definitionArgumentInvalid) {
            try assembler.assemble(key: "k", definition: definition, context: .topLevel, argument: large)
        }
        let fits = String(repeating: "a", count: 998)
        let record = try assembler.assemble(key: "k", definition: definition, context: .topLevel, argument: fits)
        #expect(record.argument?.count == 1000)
    }
}
