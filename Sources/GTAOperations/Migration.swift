import Foundation
import GTA

/// How a table's definition is read: MySQL and MariaDB's `information_schema`, or SQLite's
/// pragmas. The one place the admin operations look past the dialect.
public struct TableCatalog: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case informationSchema
        case sqlitePragmas
        case unknown(String)
    }

    let kind: Kind

    /// MySQL and MariaDB: `information_schema.tables`, `.columns` and `.statistics`.
    public static let informationSchema = TableCatalog(kind: .informationSchema)
    /// SQLite: `sqlite_master`, `pragma_table_info`, `pragma_index_list` and `pragma_index_info`.
    public static let sqlite = TableCatalog(kind: .sqlitePragmas)

    /// The catalog a dialect's name implies: `MariaDB` or `MySQL`, or `SQLite`; any other name
    /// gives a catalog whose use throws ``OperationsError/Code/unsupportedDialect``.
    public init(for dialect: any GTADialect) {
        let name = dialect.name.lowercased()
        if name.contains("sqlite") {
            kind = .sqlitePragmas
        } else if name.contains("maria") || name.contains("mysql") {
            kind = .informationSchema
        } else {
            kind = .unknown(dialect.name)
        }
    }

    init(kind: Kind) { self.kind = kind }
}

/// A table's definition, as far as the task library cares.
public struct TableDescription: Sendable, Hashable {
    public var exists: Bool
    /// Column names, lower-cased.
    public var columns: [String]
    /// Each index's name and columns, in index order.
    public var indexes: [String: [String]]
    /// The next auto id, where the catalog tells (MySQL and MariaDB).
    public var nextAutoID: UInt64?

    /// The columns the task library reads and writes.
    public static let taskColumns = ["id", "task_key", "task_status", "context", "argument", "extra", "created_at", "updated_at"]

    public var missingColumns: [String] {
        let have = Set(columns.map { $0.lowercased() })
        return Self.taskColumns.filter { !have.contains($0) }
    }

    /// Whether an index leads with `(task_status, id)`, as the claim query needs.
    public var hasClaimIndex: Bool {
        indexes.values.contains { $0.count >= 2 && $0[0] == "task_status" && $0[1] == "id" }
    }
}

/// What `migrate` does (or, printed, would do).
public struct MigrationPlan: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// The table is missing: create it from the library's definition (`model.sql`).
        case createTable
        /// The table is a Go original's, or an older one of this library's: add the claim index
        /// (and, on MySQL and MariaDB, start auto ids above 10000 when they would not), and the
        /// columns and indexes of the optional features (``TaskTable/migrationSteps``).
        case upgrade
        /// Nothing to do.
        case upToDate
    }

    public var table: TableName
    public var action: Action
    /// The statements, in order, in the dialect's placeholders.
    public var statements: [GTAStatement]

    /// The statements as SQL text ending in `;`, bound values written in (for reading, or for a
    /// client that cannot bind).
    public var sql: String {
        statements.map { Self.render($0) + ";" }.joined(separator: "\n")
    }

    static func render(_ statement: GTAStatement) -> String {
        var binds = statement.binds.makeIterator()
        var text = ""
        var inString = false
        for character in statement.sql {
            if character == "'" { inString.toggle() }
            if character == "?", !inString, let value = binds.next() {
                text += literal(value)
            } else {
                text.append(character)
            }
        }
        return text
    }

    static func literal(_ value: GTAValue) -> String {
        switch value {
        case .null: return "NULL"
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return v ? "1" : "0"
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .bytes(let b): return "X'" + b.map { String(format: "%02X", $0) }.joined() + "'"
        case .date(let d): return "'" + d.formatted(.iso8601) + "'"
        }
    }
}

extension TaskOperations {
    /// The name the library gives the claim index on MySQL and MariaDB (`model.sql`).
    public static let claimIndexName = "idx_task_status_id"

    /// Reads the table's columns and indexes from the catalog: the core's own reading
    /// (``TaskTableSchema/read(_:on:)``, the dialect's catalog queries), plus the next auto id
    /// where the catalog tells it.
    public func describeTable() async throws -> TableDescription {
        try await describe().description
    }

    /// The table as ``describeTable()`` gives it, and as the core reads it, from one reading.
    private func describe() async throws -> (description: TableDescription, schema: TaskTableSchema) {
        if case .unknown(let name) = catalog.kind {
            throw OperationsError(.unsupportedDialect, "cannot read table definitions of dialect '\(name)'; pass a TableCatalog")
        }
        guard db.dialect.taskTableCatalog(for: table) != nil else {
            throw OperationsError(.unsupportedDialect, "dialect '\(db.dialect.name)' gives no catalog queries (GTADialect.taskTableCatalog)")
        }
        let schema = try await TaskTableSchema.read(table, on: db)
        guard schema.exists else { return (TableDescription(exists: false, columns: [], indexes: [:]), schema) }
        let description = TableDescription(
            exists: true, columns: schema.columns.sorted(), indexes: schema.indexes.mapValues(\.columns), nextAutoID: try await nextAutoID())
        return (description, schema)
    }

    /// MySQL and MariaDB's next auto id of the table (`information_schema.tables`); `nil` elsewhere.
    private func nextAutoID() async throws -> UInt64? {
        guard case .informationSchema = catalog.kind else { return nil }
        let rows = try await sql.query(
            "SELECT AUTO_INCREMENT AS next_id FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?",
            [table.schema.map { .string($0) } ?? .null, .string(table.name)], on: db)
        return rows.first.flatMap { (try? $0.decode(UInt64?.self, "next_id")) ?? nil }
    }

    /// What ``migrate()`` would do, read from the catalog. Nothing is written.
    public func planMigration() async throws -> MigrationPlan {
        let (description, schema) = try await describe()
        guard description.exists else {
            return MigrationPlan(
                table: table, action: .createTable,
                statements: TaskTable.createStatements(for: table, dialect: db.dialect)
                    + ScheduleTable.createStatements(forTasks: table, dialect: db.dialect))
        }
        let missing = description.missingColumns
        guard missing.isEmpty else {
            throw OperationsError(.notATaskTable, "table '\(table)' is not a task table: no column \(missing.joined(separator: ", "))")
        }
        var statements: [GTAStatement] = []
        let q = db.dialect.quote
        if !description.hasClaimIndex {
            switch catalog.kind {
            case .sqlitePragmas:
                // SQLite index names are schema-wide: named after the table, as the library creates them.
                let schema = table.schema.map { q($0) + "." } ?? ""
                statements.append(GTAStatement(
                    "CREATE INDEX IF NOT EXISTS \(schema)\(q("idx_\(table.name)_task_status_id")) ON \(q(table.name)) (\(q("task_status")), \(q("id")))"))
            default:
                statements.append(GTAStatement(
                    "ALTER TABLE \(sql.t) ADD INDEX \(q(Self.claimIndexName)) (\(q("task_status")), \(q("id")))"))
            }
        }
        if let next = description.nextAutoID, next < TaskTable.firstAutoID {
            // The Go schema starts auto ids at 10000, the abnormal-check row's id.
            statements.append(GTAStatement("ALTER TABLE \(sql.t) AUTO_INCREMENT = \(TaskTable.firstAutoID)"))
        }
        // The optional features' columns and indexes (delayed and unique tasks, ...): the core's
        // list of steps, each skipping what the table has.
        statements += TaskTable.migrationStatements(for: table, dialect: db.dialect, schema: schema)
        // Periodic tasks: the schedules table beside it (the Go original never reads it).
        if try await !ScheduleTable.exists(forTasks: table, on: db) {
            statements += ScheduleTable.createStatements(forTasks: table, dialect: db.dialect)
        }
        return MigrationPlan(table: table, action: statements.isEmpty ? .upToDate : .upgrade, statements: statements)
    }

    /// Creates the table (the library's definition, through ``TaskTable/create(named:on:ifNotExists:)``)
    /// or brings a Go original's table up to date (the claim index, the columns and indexes of
    /// delayed and unique tasks, the schedules table of periodic tasks). Running it again does
    /// nothing.
    @discardableResult
    public func migrate() async throws -> MigrationPlan {
        let plan = try await planMigration()
        switch plan.action {
        case .upToDate:
            break
        case .createTable:
            try await TaskTable.create(named: table.description, on: db)
        case .upgrade:
            // DDL commits by itself on MySQL: one statement at a time, each idempotent in effect.
            for statement in plan.statements { try await db.execute(statement.sql, statement.binds) }
        }
        return plan
    }
}
