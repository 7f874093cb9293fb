import Foundation
import GTA

/// The admin queries over one task table: what `gta` (the command) and the dashboard show and
/// do. Stats, lists, one row, reruns and migrations, each a method here.
///
/// ```swift
/// let ops = try TaskOperations(db: db, table: "tasks")
/// let stats = try await ops.stats()
/// let failed = try await ops.list(TaskFilter(status: .failed), limit: 20)
/// let plan = try await ops.planRerun(.filter(TaskFilter(status: .failed, key: "send_mail")))
/// let moved = try await ops.rerun(plan)
/// ```
///
/// Every statement is in ``OperationsSQL``: written with `?`, rendered in the dialect's
/// placeholders, the table name only as a quoted ``TableName``, every value bound. Nothing here
/// reads or writes a row in a way the task library would not: a rerun moves rows to
/// `initialized` naming the status each is expected in, as ``TaskManager/forceRerunTasks(_:status:)``
/// does, so a row someone else moved meanwhile is left alone.
public struct TaskOperations: Sendable {
    /// The database the table lives in.
    public let db: any GTADatabase
    /// The validated table name.
    public let table: TableName
    /// How long a lease lives without renewal: a `running` row whose lease was last renewed longer
    /// ago lost its worker. The same setting as ``TaskManager/Configuration/leaseExpiry``; the
    /// default is its default, 40 seconds.
    public var leaseExpiry: Duration
    /// How long a `running` row without a lease (written by the Go original) may run before it
    /// counts as stuck. The same setting as ``TaskManager/Configuration/runningTimeout``; the
    /// default is its default, 30 minutes.
    public var runningTimeout: Duration
    /// How the table's columns and indexes are read (`information_schema` or SQLite's pragmas).
    public let catalog: TableCatalog

    let sql: OperationsSQL

    /// - Parameters:
    ///   - db: the database.
    ///   - table: the task table's name, validated as the library validates it.
    ///   - leaseExpiry: see ``leaseExpiry``. The default is 40 seconds.
    ///   - runningTimeout: see ``runningTimeout``. The default is 30 minutes.
    ///   - catalog: how to read the table's definition; the default follows the dialect's name
    ///     (`MariaDB` or `MySQL`: `information_schema`; `SQLite`: pragmas).
    /// - Throws: ``GTAError/invalidTableName`` for a name that is not an identifier.
    public init(
        db: any GTADatabase, table: String, leaseExpiry: Duration = .seconds(40), runningTimeout: Duration = .seconds(30 * 60),
        catalog: TableCatalog? = nil
    ) throws {
        self.db = db
        self.table = try TableName(table)
        self.leaseExpiry = leaseExpiry
        self.runningTimeout = runningTimeout
        self.catalog = catalog ?? TableCatalog(for: db.dialect)
        self.sql = OperationsSQL(table: self.table, dialect: db.dialect)
    }

    /// Throws ``OperationsError/Code/tableMissing`` when the table does not exist and
    /// ``OperationsError/Code/notATaskTable`` when it lacks a task column: one clear message
    /// instead of the database's error on the first query.
    public func requireTaskTable() async throws {
        let description = try await describeTable()
        guard description.exists else {
            throw OperationsError(.tableMissing, "table '\(table)' does not exist (create it with `gta migrate`)")
        }
        let missing = description.missingColumns
        guard missing.isEmpty else {
            throw OperationsError(.notATaskTable, "table '\(table)' is not a task table: no column \(missing.joined(separator: ", "))")
        }
    }

    /// Whether `key` names one of the library's built-in rows (clean-up, abnormal check).
    static func isBuiltin(_ key: TaskKey) -> Bool { BuiltinTasks.keys.contains(key) || key.isBuiltin }
}

/// An error of an admin operation, with one line that says what is wrong.
public struct OperationsError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of problem.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The table does not exist.
        public static let tableMissing = Code(name: "tableMissing")
        /// The table exists but lacks a column of the task table.
        public static let notATaskTable = Code(name: "notATaskTable")
        /// A filter, an id list or a setting that cannot be used.
        public static let invalidArgument = Code(name: "invalidArgument")
        /// No row with that id.
        public static let notFound = Code(name: "notFound")
        /// The dialect's catalog is not known (migrate and table checks need one).
        public static let unsupportedDialect = Code(name: "unsupportedDialect")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: OperationsError, rhs: OperationsError) -> Bool { lhs.code == rhs.code }

    /// Lets callers write `catch OperationsError.tableMissing`.
    public static var tableMissing: OperationsError { OperationsError(.tableMissing, "") }
    public static var notATaskTable: OperationsError { OperationsError(.notATaskTable, "") }
    public static var invalidArgument: OperationsError { OperationsError(.invalidArgument, "") }
    public static var notFound: OperationsError { OperationsError(.notFound, "") }

    public static func ~= (pattern: OperationsError, error: any Error) -> Bool {
        (error as? OperationsError)?.code == pattern.code
    }
}
