import Foundation
import InMemoryTracing
import Testing
import Tracing

@testable import GTA

/// The trace context in the `context` column: stored through an instrument, restored without
/// ever failing on rows it does not understand.
@Suite struct TracingCtxMarshalerTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func storesTheSpansHeadersAndRestoresThem() throws {
        let tracer = InMemoryTracer()
        let marshaler = TracingCtxMarshaler(instrument: tracer)
        let span = tracer.startSpan("request")
        let parent = try #require(span.context.inMemorySpanContext)
        let stored = try #require(try marshaler.marshalCtx(span.context))
        let object = try JSONDecoder().decode([String: String].self, from: Data(stored))
        #expect(object == [InMemoryTracer.traceIDKey: parent.traceID, InMemoryTracer.spanIDKey: parent.spanID])
        let restored = try marshaler.unmarshalCtx(stored)
        #expect(restored.inMemorySpanContext?.traceID == parent.traceID)
        #expect(restored.inMemorySpanContext?.spanID == parent.spanID)
        span.end()
    }

    @Test func aContextWithoutATraceIsStoredAsNull() throws {
        let marshaler = TracingCtxMarshaler(instrument: InMemoryTracer())
        #expect(try marshaler.marshalCtx(.topLevel) == nil)
    }

    @Test(arguments: [nil, "", "{}", #"{"request_id":"req-ok-2"}"#, "not json", "[1,2]", #"{"in-memory-trace-id":7,"in-memory-span-id":8}"#, "\u{FF}"])
    func rowsItDoesNotUnderstandRestoreAnEmptyContext(_ text: String?) throws {
        let marshaler = TracingCtxMarshaler(instrument: InMemoryTracer())
        let restored = try marshaler.unmarshalCtx(text.map(bytes))
        #expect(restored.inMemorySpanContext == nil)
        #expect(restored.isEmpty)
    }

    @Test func stringMembersAmongOthersAreStillOffered() throws {
        let marshaler = TracingCtxMarshaler(instrument: InMemoryTracer())
        let restored = try marshaler.unmarshalCtx(bytes(#"{"in-memory-trace-id":"t1","in-memory-span-id":"s1","request_id":42}"#))
        #expect(restored.inMemorySpanContext == InMemorySpanContext(traceID: "t1", spanID: "s1", parentSpanID: nil))
    }

    /// The test process never bootstraps an instrument: the default marshaler then stores nothing
    /// and restores an empty context, as the Go original's default does.
    @Test func theDefaultMarshalerWithoutAnInstrumentStoresNothing() throws {
        let tracer = InMemoryTracer()
        let span = tracer.startSpan("request")
        let marshaler = DefaultCtxMarshaler()
        #expect(try marshaler.marshalCtx(span.context) == nil)
        #expect(try marshaler.unmarshalCtx(bytes(#"{"in-memory-trace-id":"t1","in-memory-span-id":"s1"}"#)).isEmpty)
        span.end()
    }
}
