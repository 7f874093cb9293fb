import Foundation
import InMemoryTracing
import Testing
import Tracing

@testable import GTA

/// Docs/operations.md, "Tracing": a span around each handler run, a child of the span that
/// created the task, its context carried in the row's `context` column. The tracer is injected
/// (no global bootstrap), for the span and for the marshaler.
@Suite struct TracingTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    func options(_ tracer: InMemoryTracer, _ extra: Option...) -> [Option] {
        fastOptions(RecordingLogger(), .withTracer(tracer), .withCtxMarshaler(TracingCtxMarshaler(instrument: tracer))) + extra
    }

    /// The finished run spans of user tasks (the built-in tasks run too).
    func runs(_ tracer: InMemoryTracer) -> [FinishedInMemorySpan] {
        tracer.finishedSpans.filter { span in
            guard span.operationName == TaskSpan.operationName, case .string(let key)? = span.attributes.get("gta.task.key") else { return false }
            return !TaskKey(key).isBuiltin
        }
    }

    @Test(arguments: Backend.allCases)
    func theHandlersSpanIsAChildOfTheSpanThatCreatedTheTask(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let tracer = InMemoryTracer()
            let manager = try TaskManager(db: db, table: table.name, options: options(tracer))
            let seen = Recorder<(argument: Int, current: InMemorySpanContext?, given: InMemorySpanContext?)>()
            try manager.register("traced", TaskDefinition(argumentType: Int.self) { context, n in
                seen.append((n, ServiceContext.current?.inMemorySpanContext, context.inMemorySpanContext))
            })
            manager.start()

            // Three ways to the pool: run (right after the insert), the commit hook, and the
            // scanner (a row written initialized in the application's own transaction, read back).
            let request = tracer.startSpan("request")
            try await ServiceContext.withValue(request.context) {
                try await manager.run("traced", 1)
                try await manager.transaction { tx in try await manager.runWithTx(tx, "traced", 2) }
                try await db.transaction { tx in try await manager.runWithTx(tx, "traced", 3) }
            }
            request.end()
            try await eventually("three runs") { runs(tracer).count == 3 }
            await manager.stop(wait: true)

            let parent = try #require(request.context.inMemorySpanContext)
            let spans = runs(tracer)
            for span in spans {
                #expect(span.traceID == parent.traceID)
                #expect(span.parentSpanID == parent.spanID)
                #expect(span.kind == .consumer)
                #expect(span.attributes.get("gta.task.key") == .string("traced"))
                #expect(span.attributes.get("gta.task.attempt") == .int64(1))
                #expect(span.attributes.get("gta.task.tries") == .int64(1))
                #expect(span.status == nil)
            }
            let ids = try await db.query("SELECT id FROM \(table.quoted) WHERE task_key = 'traced' ORDER BY id", [])
                .map { try $0.decode(UInt64.self, "id") }
            #expect(ids.count == 3)
            #expect(Set(spans.compactMap { span -> UInt64? in
                guard case .int64(let id)? = span.attributes.get("gta.task.id") else { return nil }
                return UInt64(id)
            }) == Set(ids))
            // The handler runs inside its span: its own spans would be children of it.
            #expect(seen.count == 3)
            for call in seen.all {
                let span = try #require(spans.first { $0.spanID == call.current?.spanID })
                #expect(call.given == span.spanContext)
            }
            // Each row carries the creating span's headers.
            for id in ids {
                let stored = try #require(try await table.row(id)?.decode(String?.self, "context"))
                #expect(stored.contains(parent.traceID) && stored.contains(InMemoryTracer.traceIDKey))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aFailedRunRecordsItsRetriesAndTheError(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let tracer = InMemoryTracer()
            let manager = try TaskManager(db: db, table: table.name, options: options(tracer))
            try manager.register("bad", TaskDefinition(retryTimes: 2, retryInterval: { _ in .milliseconds(10) }) { _, _ in throw Failure() })
            manager.start()
            try await manager.run("bad", 1)
            try await eventually("the run to end") { runs(tracer).count == 1 }
            await manager.stop(wait: true)
            let span = try #require(runs(tracer).first)
            #expect(span.parentSpanID == nil)  // created outside any span: a root
            #expect(span.attributes.get("gta.task.tries") == .int64(3))
            #expect(span.events.map(\.name) == ["retry", "retry"])
            #expect(span.events.map { $0.attributes.get("gta.task.try") } == [.int64(2), .int64(3)])
            #expect(span.status?.code == .error)
            #expect(span.errors.count == 1)
            #expect(try await table.userStatuses() == [.failed])
        }
    }

    /// Rows the Go original wrote (context NULL, `{}`, its own marshaler's JSON) and bytes no
    /// marshaler understands run as before, their spans roots.
    @Test(arguments: Backend.allCases)
    func rowsWithoutATraceRunWithAnEmptyContext(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let tracer = InMemoryTracer()
            let manager = try TaskManager(db: db, table: table.name, options: options(tracer))
            let ran = Recorder<Int>()
            let parents = Recorder<String?>()
            try manager.register("k", TaskDefinition(argumentType: Int.self) { context, n in
                parents.append(context.inMemorySpanContext?.parentSpanID)
                ran.append(n)
            })
            try await table.insert(key: "k", status: .initialized, argument: "1", context: nil)
            try await table.insert(key: "k", status: .initialized, argument: "2", context: "{}")
            try await table.insert(key: "k", status: .initialized, argument: "3", context: #"{"request_id":"req-ok-2"}"#)
            try await table.insert(key: "k", status: .initialized, argument: "4", context: "not json at all")
            try await table.insert(key: "k", status: .initialized, argument: "5", context: #"{"in-memory-trace-id":7}"#)
            manager.start()
            try await eventually("all five to succeed") { try await table.count(.succeeded) == 5 }
            await manager.stop(wait: true)
            #expect(Set(ran.all) == [1, 2, 3, 4, 5])
            #expect(parents.all.allSatisfy { $0 == nil })
            #expect(runs(tracer).count == 5)
            #expect(runs(tracer).allSatisfy { $0.parentSpanID == nil })
        }
    }
}
