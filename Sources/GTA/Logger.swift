import Logging
import ServiceContextModule

/// Where the library writes what it has to say. Go: `gta.Logger`.
///
/// The methods take finished messages (Swift interpolation replaces Go's format strings).
/// Per-task lifecycle lines go to ``debugf(_:)``; warnings and errors as in the original.
///
/// If your file also imports swift-log, write `GTA.Logger` for this protocol.
public protocol Logger: Sendable {
    /// Go's `Printf`: a plain line.
    func printf(_ message: @autoclosure () -> String)
    /// Go's `Infof`.
    func infof(_ message: @autoclosure () -> String)
    /// Go's `Warnf`.
    func warnf(_ message: @autoclosure () -> String)
    /// Go's `Errorf`.
    func errorf(_ message: @autoclosure () -> String)
    /// Swift only: per-task lifecycle lines (created, started, succeeded), which the original
    /// logs at info and which cost it about 18% of its throughput.
    func debugf(_ message: @autoclosure () -> String)
}

/// Makes a logger for a context. Go: `func(ctx context.Context) Logger`.
public typealias LoggerFactory = @Sendable (ServiceContext) -> any Logger

/// The default logger: writes through swift-log under the label `"gta"`.
///
/// `printf` and `infof` log at `.info`, `warnf` at `.warning`, `errorf` at `.error`, `debugf`
/// at `.debug`. Configure output and level with `LoggingSystem.bootstrap` as usual.
public struct SwiftLogLogger: Logger {
    /// The swift-log logger written to.
    public var logger: Logging.Logger

    /// - Parameter logger: the default is `Logger(label: "gta")`.
    public init(_ logger: Logging.Logger = Logging.Logger(label: "gta")) {
        self.logger = logger
    }

    public func printf(_ message: @autoclosure () -> String) { logger.info("\(message())") }
    public func infof(_ message: @autoclosure () -> String) { logger.info("\(message())") }
    public func warnf(_ message: @autoclosure () -> String) { logger.warning("\(message())") }
    public func errorf(_ message: @autoclosure () -> String) { logger.error("\(message())") }
    public func debugf(_ message: @autoclosure () -> String) {
        if logger.logLevel <= .debug { logger.debug("\(message())") }
    }

    /// The default factory: one shared ``SwiftLogLogger`` for every context.
    public static let defaultFactory: LoggerFactory = { _ in shared }
    static let shared = SwiftLogLogger()
}
