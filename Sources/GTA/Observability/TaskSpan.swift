import Tracing

/// The span around a handler's run (``TaskRunner``): one per run of a row, over its in-process
/// tries, a child of the context that created the task (restored by the context marshaler, see
/// ``TracingCtxMarshaler``). The handler runs with the span's context, so its own spans are
/// children of this one.
///
/// Name `gta.task.run`, kind `consumer`. Attributes: `gta.task.id`, `gta.task.key`,
/// `gta.task.attempt` (which run of the row this is, counted in its `extra`: 1 the first time, more
/// after a rescue or a hand-back), and at the end `gta.task.tries` (handler calls in this run).
/// A retry is an event `retry` with `gta.task.try` and the last error; a failed run records its
/// last error and ends with status `error`.
enum TaskSpan {
    static let operationName = "gta.task.run"

    static func start(for task: TaskRecord, in context: ServiceContext, tracer: any Tracer) -> any Span {
        let span = tracer.startSpan(operationName, context: context, ofKind: .consumer)
        span.updateAttributes { attributes in
            attributes["gta.task.id"] = Int64(truncatingIfNeeded: task.id)
            attributes["gta.task.key"] = task.taskKey.rawValue
            attributes["gta.task.attempt"] = Int64(max(1, task.extra.runs))
        }
        return span
    }

    static func retry(_ span: any Span, try number: Int, after error: String) {
        var attributes = SpanAttributes()
        attributes["gta.task.try"] = Int64(number)
        attributes["gta.task.error"] = error
        span.addEvent(SpanEvent(name: "retry", attributes: attributes))
    }

    static func end(_ span: any Span, tries: Int, error: String?) {
        span.attributes["gta.task.tries"] = Int64(tries)
        if let error {
            span.recordError(TaskFailure(message: error))
            span.setStatus(SpanStatus(code: .error, message: error))
        }
        span.end()
    }

    /// A failed run's last error, as the span records it (the handler's error is kept as text).
    struct TaskFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
