/// The SQL that differs between databases: a backend supplies one, and the task library builds
/// every statement from it. The core never asks which database it talks to, so a third backend
/// (PostgreSQL, say) implements this protocol, ``GTADatabase`` and ``GTADatabaseError`` and needs
/// no change in the core.
///
/// The MariaDB backend's dialect is `MariaDBDialect`, the SQLite backend's `SQLiteDialect`.
public protocol GTADialect: Sendable {
    /// A short name for messages, such as `"MariaDB"`.
    var name: String { get }

    /// Quotes an identifier, doubling any quote character inside it. The task library quotes
    /// only names that ``TableName`` has already validated.
    func quote(_ identifier: String) -> String

    /// The placeholder of the `position`-th bound value (1-based): `?` on MySQL and SQLite,
    /// `$1` on PostgreSQL. The default is `?`.
    func placeholder(_ position: Int) -> String

    /// The clause that locks selected rows, such as `"FOR UPDATE"`; empty where a writing
    /// transaction already holds the whole database (SQLite).
    var lockForUpdate: String { get }

    /// The clause that locks selected rows and skips rows locked by others, such as
    /// `"FOR UPDATE SKIP LOCKED"`, or `nil` when the server has none. Without it the task
    /// library claims with the original's optimistic update alone, row by row.
    var lockForUpdateSkipLocked: String? { get }

    /// Whether a transaction that writes excludes every other writer until it ends (SQLite's
    /// `BEGIN IMMEDIATE`): a claim may then move all the rows it selected in one statement
    /// even without `SKIP LOCKED`. The default is `false`.
    var writeTransactionsAreExclusive: Bool { get }

    /// How an `INSERT` reports the id it generated. The default is
    /// ``GTAInsertedID/lastInsertID``.
    var insertedID: GTAInsertedID { get }

    /// Whether `DELETE ... LIMIT n` is accepted (MySQL and MariaDB): the clean-up task then
    /// deletes in slices so that no statement holds many locks for long. The default is `false`.
    var supportsDeleteLimit: Bool { get }

    /// The statements that create the task table (the Go original's columns, with this
    /// library's claim index and first auto id), run in one transaction by
    /// ``TaskTable/create(named:on:ifNotExists:)``.
    func taskTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement]

    /// The statements that create the schedules table of periodic tasks named `table` (see
    /// ``ScheduleTable``), run in one transaction by ``ScheduleTable/create(forTasks:on:ifNotExists:)``.
    /// The default is portable SQL: `task_key varchar(64)` primary key, `schedule varchar(255)`,
    /// `last_due` and `next_due` nullable `datetime`, `last_task_id` nullable `bigint`,
    /// `updated_at datetime`.
    func scheduleTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement]

    /// The catalog queries that list the task table's columns and indexes, read by
    /// ``TaskTableSchema/read(_:on:)`` to learn which optional features the table has. The
    /// default is `nil`: the table is taken to have none (a feature that needs one throws
    /// ``GTAError/featureNeedsMigration``).
    func taskTableCatalog(for table: TableName) -> GTACatalogQueries?

    /// The statements that add what `feature` needs to a task table whose schema is `schema`,
    /// skipping what it already has, so that running them again does nothing
    /// (``TaskTable/migrate(named:on:)``). They must keep the Go original working: new columns
    /// have defaults (or are generated), and nothing the original reads or writes changes. The
    /// default is none.
    func taskTableMigration(adding feature: TaskTableFeature, to table: TableName, schema: TaskTableSchema) -> [GTAStatement]
}

extension GTADialect {
    public func placeholder(_ position: Int) -> String { "?" }
    public var writeTransactionsAreExclusive: Bool { false }
    public var insertedID: GTAInsertedID { .lastInsertID }
    public var supportsDeleteLimit: Bool { false }
    public func taskTableCatalog(for table: TableName) -> GTACatalogQueries? { nil }
    public func taskTableMigration(adding feature: TaskTableFeature, to table: TableName, schema: TaskTableSchema) -> [GTAStatement] { [] }

    public func scheduleTableStatements(for table: TableName, ifNotExists: Bool) -> [GTAStatement] {
        let q = quote
        return [
            GTAStatement(
                """
                CREATE TABLE \(ifNotExists ? "IF NOT EXISTS " : "")\(table.quoted(for: self)) (
                  \(q("task_key")) varchar(64) NOT NULL,
                  \(q("schedule")) varchar(\(Schedule.maximumTextLength)) NOT NULL DEFAULT '',
                  \(q("last_due")) datetime NULL DEFAULT NULL,
                  \(q("next_due")) datetime NULL DEFAULT NULL,
                  \(q("last_task_id")) bigint NULL DEFAULT NULL,
                  \(q("updated_at")) datetime NOT NULL DEFAULT '1000-01-01 00:00:00',
                  PRIMARY KEY (\(q("task_key")))
                )
                """)
        ]
    }

    /// The library's own SQL, written with `?` for each bound value, in this dialect's
    /// placeholders. (Its SQL has no `?` anywhere else: identifiers are validated, values bound.)
    package func placeholders(_ sql: String) -> String {
        guard placeholder(1) != "?" else { return sql }
        var position = 0
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        for character in sql {
            if character == "?" {
                position += 1
                result += placeholder(position)
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// How an `INSERT` reports its generated id.
public enum GTAInsertedID: Sendable, Hashable {
    /// ``GTAExecuteResult/lastInsertID`` after ``GTAExecutor/execute(_:_:)`` (MySQL, SQLite).
    case lastInsertID
    /// The statement ends with `RETURNING <column>` and is run as a query (PostgreSQL).
    case returning(column: String)
}

/// One SQL statement with its bound values.
public struct GTAStatement: Sendable, Hashable {
    /// The SQL, with the dialect's placeholders.
    public var sql: String
    /// The bound values, in order.
    public var binds: [GTAValue]

    public init(_ sql: String, _ binds: [GTAValue] = []) {
        self.sql = sql
        self.binds = binds
    }
}
