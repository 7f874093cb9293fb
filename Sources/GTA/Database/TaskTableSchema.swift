#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A feature of the task library that needs more than the Go original's table: a column, an
/// index, a generated column. ``TaskTable/migrate(named:on:)`` adds what each one needs.
public struct TaskTableFeature: Sendable, Hashable, CustomStringConvertible {
    /// The feature's name in messages, such as `"delayed tasks"`.
    public let name: String
    private init(_ name: String) { self.name = name }
    public var description: String { name }

    /// Delayed tasks and persisted retries: the `run_at` column and the claim index
    /// `(task_status, run_at, id)`.
    public static let delayedTasks = TaskTableFeature("delayed tasks")
    /// Unique tasks: the `unique_key` column and a unique index over the keys of waiting and
    /// running rows (on MySQL and MariaDB the generated column `unique_active`; on SQLite a
    /// partial unique index).
    public static let uniqueTasks = TaskTableFeature("unique tasks")
}

/// What a task table has, as its database's catalog tells (``GTADialect/taskTableCatalog(for:)``):
/// its columns and its indexes, and so which of the library's optional features it supports.
public struct TaskTableSchema: Sendable, Hashable {
    /// One index: its columns in order, whether it is unique, whether it is partial (SQLite's
    /// `CREATE INDEX ... WHERE`).
    public struct Index: Sendable, Hashable {
        /// The indexed columns, lower-cased, in index order.
        public var columns: [String]
        /// Whether the index is `UNIQUE`.
        public var isUnique: Bool
        /// Whether the index has a `WHERE` (SQLite's partial indexes).
        public var isPartial: Bool

        /// An index; `isPartial` defaults to `false`.
        public init(columns: [String], isUnique: Bool, isPartial: Bool = false) {
            self.columns = columns
            self.isUnique = isUnique
            self.isPartial = isPartial
        }
    }

    /// Whether the table exists (the catalog listed a column).
    public var exists: Bool { !columns.isEmpty }
    /// The column names, lower-cased.
    public var columns: Set<String>
    /// The indexes by name.
    public var indexes: [String: Index]

    /// A schema; the defaults (no column, no index) describe a missing table.
    public init(columns: Set<String> = [], indexes: [String: Index] = [:]) {
        self.columns = Set(columns.map { $0.lowercased() })
        self.indexes = indexes
    }

    /// Whether the table has the `run_at` column that delayed tasks and persisted retries need.
    public var hasRunAt: Bool { columns.contains("run_at") }
    /// Whether an index leads with `(task_status, run_at, id)`: the claim of due rows is then one
    /// range scan, however many rows wait for a later time.
    public var hasDueIndex: Bool { hasIndex(leading: ["task_status", "run_at", "id"]) }
    /// Whether the table has the `unique_key` column and a unique index over the keys of waiting
    /// and running rows only: the generated column `unique_active` (MySQL, MariaDB) or a partial
    /// unique index on `unique_key` (SQLite).
    public var hasUniqueIndex: Bool {
        columns.contains("unique_key")
            && indexes.values.contains { index in
                index.isUnique
                    && ((index.columns == ["unique_active"] && columns.contains("unique_active"))
                        || (index.columns == ["unique_key"] && index.isPartial))
            }
    }

    /// Whether the table has everything `feature` needs.
    public func supports(_ feature: TaskTableFeature) -> Bool {
        switch feature {
        case .delayedTasks: hasRunAt && hasDueIndex
        case .uniqueTasks: hasUniqueIndex
        default: false
        }
    }

    /// Whether an index's first columns are `columns`.
    public func hasIndex(leading columns: [String]) -> Bool {
        indexes.values.contains { Array($0.columns.prefix(columns.count)) == columns }
    }

    /// Reads the schema of `table` from the catalog of `db`'s dialect. A dialect without a
    /// catalog query gives an empty schema (no optional feature).
    public static func read(_ table: TableName, on db: any GTAExecutor) async throws -> TaskTableSchema {
        guard let catalog = db.dialect.taskTableCatalog(for: table) else { return TaskTableSchema() }
        var schema = TaskTableSchema()
        for row in try await db.query(catalog.columns.sql, catalog.columns.binds) {
            if let name = try? row.decode(String.self, "name") { schema.columns.insert(name.lowercased()) }
        }
        for row in try await db.query(catalog.indexes.sql, catalog.indexes.binds) {
            guard let name = try? row.decode(String.self, "index_name"),
                let column = (try? row.decode(String?.self, "column_name")) ?? nil
            else { continue }
            let nonUnique = (try? row.decode(Int64.self, "non_unique")) ?? 1
            let partial = (try? row.decode(Int64.self, "is_partial")) ?? 0
            schema.indexes[name, default: Index(columns: [], isUnique: nonUnique == 0, isPartial: partial != 0)].columns
                .append(column.lowercased())
        }
        return schema
    }
}

/// The two catalog queries a dialect gives for ``TaskTableSchema/read(_:on:)``: the columns
/// (rows with `name`) and the indexes (rows with `index_name`, `column_name`, `non_unique` 0 or
/// 1 and, optionally, `is_partial`, in index order).
public struct GTACatalogQueries: Sendable, Hashable {
    /// The query that lists the columns.
    public var columns: GTAStatement
    /// The query that lists the indexes' columns.
    public var indexes: GTAStatement

    /// The two queries.
    public init(columns: GTAStatement, indexes: GTAStatement) {
        self.columns = columns
        self.indexes = indexes
    }
}

/// The features a manager's table has, read once and kept (a ``TaskStore`` holds one): at the
/// first use, at every start, and again before a use the table seemed to lack is refused (so a
/// table migrated while the process runs is seen without a restart).
final class TableFeatures: Sendable {
    private let known = Mutex<TaskTableSchema?>(nil)

    /// The schema read last, or `nil` before the first read.
    var cached: TaskTableSchema? { known.withLock { $0 } }

    /// The cached schema, read first when none is.
    func schema(_ table: TableName, on db: any GTAExecutor) async throws -> TaskTableSchema {
        if let schema = known.withLock({ $0 }) { return schema }
        return try await refresh(table, on: db)
    }

    /// Reads the schema again and keeps it.
    @discardableResult
    func refresh(_ table: TableName, on db: any GTAExecutor) async throws -> TaskTableSchema {
        let schema = try await TaskTableSchema.read(table, on: db)
        known.withLock { $0 = schema }
        return schema
    }

    /// Throws ``GTAError/featureNeedsMigration`` unless the table has `feature` (read again
    /// before refusing).
    func require(_ feature: TaskTableFeature, _ table: TableName, on db: any GTAExecutor) async throws -> TaskTableSchema {
        var schema = try await self.schema(table, on: db)
        if schema.supports(feature) { return schema }
        schema = try await refresh(table, on: db)
        if schema.supports(feature) { return schema }
        throw GTAError(
            .featureNeedsMigration,
            "\(feature) need the task table '\(table)' to be migrated: run `gta migrate --table \(table)`, "
                + "call TaskTable.migrate(named:on:), or apply the SQL in model.sql (see Docs/features.md)")
    }
}
