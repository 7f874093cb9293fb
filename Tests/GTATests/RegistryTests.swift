import Foundation
import Synchronization
import Testing

@testable import GTA

@Suite struct RegistryTests {
    let handler: TaskHandler = { _, _ in }

    @Test func keyRules() throws {
        let registry = Registry()
        try registry.register("ok", TaskDefinition(handler: handler))
        #expect(throws: GTAError.invalidTaskKey) { try registry.register("ok", TaskDefinition(handler: handler)) }
        #expect(throws: GTAError.invalidTaskKey) { try registry.register("", TaskDefinition(handler: handler)) }
        #expect(throws: GTAError.invalidTaskKey) {
            try registry.register(TaskKey(String(repeating: "k", count: 65)), TaskDefinition(handler: handler))
        }
        try registry.register(TaskKey(String(repeating: "k", count: 64)), TaskDefinition(handler: handler))
        #expect(throws: GTAError.invalidTaskKey) { try registry.register("builtin:mine", TaskDefinition(handler: handler)) }
        #expect(throws: GTAError.definitionHandlerNil) { try registry.register("nil", TaskDefinition()) }
    }

    @Test func builtinDefinitionsNeedRowAndLoop() throws {
        let registry = Registry()
        let plain = TaskDefinition(handler: handler)
        #expect(throws: GTAError.definitionPrimaryKeyEmpty) { try registry.add("builtin:none", plain) }
        var noRow = plain
        noRow.builtin = BuiltinSchedule(rowID: 0, loopInterval: .seconds(1), argument: 1)
        #expect(throws: GTAError.definitionPrimaryKeyEmpty) { try registry.add("builtin:a", noRow) }
        var noLoop = plain
        noLoop.builtin = BuiltinSchedule(rowID: 1, loopInterval: .zero, argument: 1)
        #expect(throws: GTAError.definitionLoopIntervalInvalid) { try registry.add("builtin:b", noLoop) }
    }

    @Test func claimableKeysSplitSensitiveOnes() throws {
        let registry = Registry()
        try registry.register("a", TaskDefinition(handler: handler))
        try registry.register("b", TaskDefinition(initTimeoutSensitive: true, handler: handler))
        let keys = registry.claimableKeys()
        #expect(keys.plain == ["a"])
        #expect(keys.sensitive == ["b"])
    }

    @Test func typedDefinitionRejectsWrongArgumentType() async throws {
        struct Mail: Codable, Sendable, Equatable { var to: String }
        let definition = TaskDefinition(argumentType: Mail.self) { _, _ in }
        let codec = try #require(definition.codec)
        #expect(throws: GTAError.definitionArgumentInvalid) { try codec.encode("not mail") }
        #expect(throws: GTAError.definitionArgumentInvalid) { try codec.encode(nil) }
        let bytes = try codec.encode(Mail(to: "a@b"))
        #expect(bytes.map { String(decoding: $0, as: UTF8.self) } == #"{"to":"a@b"}"#)
        // The decoded argument reaches the handler in its own type.
        let seen = Mutex<[Mail?]>([])
        let optional = TaskDefinition(argumentType: Mail?.self) { _, mail in seen.withLock { $0.append(mail) } }
        let optionalCodec = try #require(optional.codec)
        #expect(try optionalCodec.encode(nil) == nil)
        try await optionalCodec.decode(nil)(TaskInfo(id: 1, key: "k"), .topLevel)
        try await optionalCodec.decode(Array(#"{"to":"x"}"#.utf8))(TaskInfo(id: 1, key: "k"), .topLevel)
        #expect(seen.withLock { $0 } == [nil, Mail(to: "x")])
        #expect(throws: GTAError.definitionArgumentInvalid) { try codec.decode(nil) }
        #expect(throws: GTAError.definitionArgumentInvalid) { try codec.decode(Array("[1]".utf8)) }
    }

    @Test func monitorDueRule() {
        let now = Date()
        func row(_ status: TaskStatus, age: Double) -> TaskRecord {
            TaskRecord(taskKey: "k", taskStatus: status, updatedAt: now.addingTimeInterval(-age))
        }
        #expect(Monitor.isDue(row(.succeeded, age: 11), loopInterval: .seconds(10), runningTimeout: .seconds(100), now: now))
        #expect(!Monitor.isDue(row(.succeeded, age: 9), loopInterval: .seconds(10), runningTimeout: .seconds(100), now: now))
        #expect(Monitor.isDue(row(.failed, age: 10), loopInterval: .seconds(10), runningTimeout: .seconds(100), now: now))
        #expect(!Monitor.isDue(row(.running, age: 50), loopInterval: .seconds(10), runningTimeout: .seconds(100), now: now))
        #expect(Monitor.isDue(row(.running, age: 101), loopInterval: .seconds(10), runningTimeout: .seconds(100), now: now))
        #expect(!Monitor.isDue(row(.initialized, age: 1000), loopInterval: .seconds(10), runningTimeout: .seconds(100), now: now))
    }
}
