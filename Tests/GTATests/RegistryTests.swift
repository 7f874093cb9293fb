import Foundation
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
        var noRow = TaskDefinition(handler: handler)
        noRow.loopInterval = .seconds(1)
        #expect(throws: GTAError.definitionPrimaryKeyEmpty) { try registry.add("builtin:a", noRow) }
        var noLoop = TaskDefinition(handler: handler)
        noLoop.builtinRowID = 1
        noLoop.loopInterval = .zero
        #expect(throws: GTAError.definitionLoopIntervalInvalid) { try registry.add("builtin:b", noLoop) }
    }

    @Test func claimableKeysSplitSensitiveOnes() throws {
        let registry = Registry()
        try registry.register("a", TaskDefinition(handler: handler))
        try registry.register("b", TaskDefinition(handler: handler, initTimeoutSensitive: true))
        let keys = registry.claimableKeys()
        #expect(keys.plain == ["a"])
        #expect(keys.sensitive == ["b"])
    }

    @Test func typedDefinitionRejectsWrongArgumentType() throws {
        struct Mail: Codable, Sendable, Equatable { var to: String }
        let definition = TaskDefinition(argumentType: Mail.self) { _, _ in }
        #expect(throws: GTAError.definitionArgumentInvalid) { try definition.encodeArgument("not mail") }
        #expect(throws: GTAError.definitionArgumentInvalid) { try definition.encodeArgument(nil) }
        let bytes = try definition.encodeArgument(Mail(to: "a@b"))
        #expect(bytes.map { String(decoding: $0, as: UTF8.self) } == #"{"to":"a@b"}"#)
        let optional = TaskDefinition(argumentType: Mail?.self) { _, _ in }
        #expect(try optional.encodeArgument(nil) == nil)
        #expect(try optional.decodeArgument(nil) == nil)
        #expect(try optional.decodeArgument(Array(#"{"to":"x"}"#.utf8)) as? Mail == Mail(to: "x"))
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
