import Testing

@testable import GTA

/// The stored form of `extra` written without the encoder (a fresh lease) is the encoder's,
/// byte for byte, and reading `{}` gives the empty extra.
@Suite struct TaskExtraStoredTests {
    @Test(arguments: [
        TaskExtra(owner: "p1a2b-00000000abcd", runs: 1),
        TaskExtra(owner: "p1a2b-00000000abcd", runs: 0),
        TaskExtra(owner: "p1a2b-00000000abcd", runs: 123),
        TaskExtra(owner: "Upper\"quote", runs: 2),
        TaskExtra(owner: "p1-2", runs: 2, attempts: 1),
        TaskExtra(owner: "p1-2", runs: 2, lastError: "boom"),
        TaskExtra(),
    ])
    func theStoredFormIsTheEncoders(_ extra: TaskExtra) throws {
        let encoded = String(decoding: try GoJSONEncoder().encode(extra), as: UTF8.self)
        #expect(extra.stored == .string(encoded))
        guard case .string(let text) = extra.stored else { return }
        #expect(TaskExtra.read(Array(text.utf8)) == extra)
    }

    @Test func emptyObjectReadsAsTheEmptyExtra() {
        #expect(TaskExtra.read(Array("{}".utf8)) == TaskExtra())
        #expect(TaskExtra.read(Array(#"{"runs":2}"#.utf8)) == TaskExtra(runs: 2))
    }
}
