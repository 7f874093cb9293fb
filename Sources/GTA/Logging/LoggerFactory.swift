/// Makes the logger for a context. Go: `func(ctx context.Context) Logger`.
///
/// The library logs through swift-log's `Logger`; Go's `Logger` interface maps onto it
/// (`Printf` and `Infof` are `.info`, `Warnf` is `.warning`, `Errorf` is `.error`). Per-task
/// lifecycle lines (created, started, succeeded) go at `.debug`, which the original logs at info
/// and which cost it about 18% of its throughput.
///
/// Lines carry their detail as metadata: `task.id`, `task.key`, `task.status`, `error`,
/// `duration` and a few more, documented in `Docs/operations.md`.
public typealias LoggerFactory = @Sendable (ServiceContext) -> Logger

/// The library's loggers.
public enum GTALogging {
    /// The label of the library's default logger.
    public static let label = "gta"

    /// The default factory: `Logger(label: "gta")` for every context; configure its output and
    /// level with `LoggingSystem.bootstrap` as usual.
    public static let defaultFactory: LoggerFactory = { _ in Logger(label: label) }
}
