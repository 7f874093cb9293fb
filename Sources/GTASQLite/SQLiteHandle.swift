import CSQLite
import GTA
import GTABackendKit

/// The `sqlite3*` of one ``SQLiteConnection`` and its prepared statements: opening it with the
/// configuration's pragmas, running SQL on it, closing it.
///
/// `@unchecked Sendable`: it is used only by work running on its connection's thread (one item
/// at a time); the connection hands it to that thread and nowhere else. The handle is opened
/// with `SQLITE_OPEN_NOMUTEX`: one thread at a time is SQLite's rule for it.
final class SQLiteHandle: @unchecked Sendable {
    let configuration: SQLiteConfiguration
    let role: SQLiteConnection.Role
    /// The zone of `DATETIME` text, bound and read.
    let zone: CivilTimeZone
    /// The busy timeout in milliseconds, as `sqlite3_busy_timeout` takes it.
    let busyTimeoutMilliseconds: Int32
    private(set) var db: OpaquePointer?
    private var cache: StatementCache<OpaquePointer>

    /// The file path, or `:memory:`, for messages.
    var displayPath: String { configuration.path ?? ":memory:" }

    init(configuration: SQLiteConfiguration, role: SQLiteConnection.Role) {
        self.configuration = configuration
        self.role = role
        self.zone = CivilTimeZone(configuration.timeZone)
        self.cache = StatementCache(capacity: configuration.statementCacheCapacity, discard: { sqlite3_finalize($0) })
        let ms = configuration.busyTimeout / .milliseconds(1)
        self.busyTimeoutMilliseconds = Int32(clamping: Int64(max(0, ms.rounded(.up))))
    }

    /// Whether the connection is inside a transaction (not in autocommit mode).
    var isInTransaction: Bool {
        guard let db else { return false }
        return sqlite3_get_autocommit(db) == 0
    }

    /// Opens the database and applies the configuration's pragmas.
    /// - Throws: ``SQLiteError`` saying which file could not be opened or configured, and why.
    func open() throws {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let filename: String
        if let path = configuration.path {
            flags |= SQLITE_OPEN_URI
            filename = path
        } else {
            flags |= SQLITE_OPEN_MEMORY
            filename = ":memory:"
        }
        let rc = sqlite3_open_v2(filename, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let extended = db.map { sqlite3_extended_errcode($0) } ?? rc
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(extendedResultCode: extended, message: message, context: "cannot open database file '\(displayPath)'")
        }
        self.db = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        do {
            if case .writer = role, !configuration.isInMemory {
                _ = try run("PRAGMA journal_mode=\(configuration.journalMode.rawValue)", [], collectingRows: true, busyRetry: .within(configuration.busyTimeout))
            }
            _ = try run("PRAGMA synchronous=\(configuration.synchronous.rawValue)", [], collectingRows: false, busyRetry: .within(configuration.busyTimeout))
            _ = try run("PRAGMA foreign_keys=\(configuration.foreignKeys ? "ON" : "OFF")", [], collectingRows: false, busyRetry: .within(configuration.busyTimeout))
            if case .reader = role {
                _ = try run("PRAGMA query_only=ON", [], collectingRows: false, busyRetry: .within(configuration.busyTimeout))
            }
        } catch let error as SQLiteError {
            throw SQLiteError(
                extendedResultCode: error.extendedResultCode,
                message: error.message,
                context: "cannot configure database file '\(displayPath)'",
                sql: error.sql,
                busyRetries: error.busyRetries
            )
        }
        SQLiteNowFunction.register(on: db, zone: zone)
    }

    /// Rolls back the open transaction, if any; errors are swallowed (SQLite may already have
    /// rolled back, after an I/O error for example).
    func rollbackQuietly() {
        guard let db, sqlite3_get_autocommit(db) == 0 else { return }
        sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
    }

    /// Finalizes the statements and closes the handle.
    func close() {
        cache.removeAll()
        if let db {
            sqlite3_close_v2(db)
            self.db = nil
        }
    }

    struct RunOutcome {
        var result = GTAExecuteResult(rowsAffected: 0)
        var rows: [GTARow] = []
        var wasReadOnly = true
    }

    /// Prepares (or reuses) the statements of `sql`, binds `binds` across them in order and steps
    /// them all. A statement reported busy or locked waits, and a single one is tried again, as
    /// `busyRetry` says; with `requiringReadOnly`, SQL that writes is not run at all.
    func run(
        _ sql: String,
        _ binds: [GTAValue],
        collectingRows: Bool,
        busyRetry: BusyRetry,
        requiringReadOnly: Bool = false
    ) throws -> RunOutcome {
        guard let db else {
            throw SQLiteError(extendedResultCode: SQLiteError.Code.misuse, message: "the connection is closed", context: "statement failed", sql: sql)
        }
        let (statements, cached) = try prepare(sql, db)
        defer {
            for statement in statements {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
                if !cached { sqlite3_finalize(statement) }
            }
        }
        var outcome = RunOutcome()
        if requiringReadOnly, statements.contains(where: { sqlite3_stmt_readonly($0) == 0 }) {
            outcome.wasReadOnly = false
            return outcome
        }
        let parameterCount = statements.reduce(0) { $0 + Int(sqlite3_bind_parameter_count($1)) }
        guard parameterCount == binds.count else {
            throw SQLiteError(
                extendedResultCode: SQLiteError.Code.range,
                message: "the SQL has \(parameterCount) parameters but \(binds.count) values were given",
                context: "cannot bind values",
                sql: sql
            )
        }
        var next = 0
        for (position, statement) in statements.enumerated() {
            let count = Int(sqlite3_bind_parameter_count(statement))
            for k in 0..<count {
                try SQLiteBinding.bind(binds[next + k], at: Int32(k + 1), of: statement, db: db, zone: zone, sql: sql)
            }
            next += count
            let isLast = position == statements.count - 1
            let step = {
                try self.step(statement, db: db, sql: sql, collectingRows: collectingRows && isLast, into: &outcome)
            }
            // Several statements are not retried (an earlier one has run), but wait no longer.
            try retryingWhileBusy(db: db, statement: statement, busyRetry, retrying: statements.count == 1, step)
        }
        return outcome
    }

    private func prepare(_ sql: String, _ db: OpaquePointer) throws -> ([OpaquePointer], cached: Bool) {
        if let statement = cache.statement(for: sql) {
            return ([statement], true)
        }
        var statements: [OpaquePointer] = []
        let utf8 = Array(sql.utf8)
        do {
            try utf8.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let start = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                var offset = 0
                while offset < buffer.count {
                    var statement: OpaquePointer?
                    var tail: UnsafePointer<CChar>?
                    let rc = sqlite3_prepare_v3(
                        db, start + offset, Int32(buffer.count - offset), UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail
                    )
                    guard rc == SQLITE_OK else {
                        throw SQLiteError.last(db, rc, context: "cannot prepare statement", sql: sql)
                    }
                    guard let statement else { break }  // only whitespace or comments left
                    statements.append(statement)
                    guard let tail else { break }
                    offset = tail - start
                }
            }
        } catch {
            statements.forEach { sqlite3_finalize($0) }
            throw error
        }
        guard !statements.isEmpty else {
            throw SQLiteError(extendedResultCode: SQLiteError.Code.misuse, message: "the SQL holds no statement", context: "cannot prepare statement", sql: sql)
        }
        if statements.count == 1, cache.insert(statements[0], for: sql) {
            return (statements, true)
        }
        return (statements, false)
    }

    private func step(_ statement: OpaquePointer, db: OpaquePointer, sql: String, collectingRows: Bool, into outcome: inout RunOutcome) throws {
        sqlite3_set_last_insert_rowid(db, 0)
        let changesBefore = sqlite3_total_changes64(db)
        var reader: SQLiteColumnReader?
        var rows: [GTARow] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_ROW {
                guard collectingRows else { continue }
                if reader == nil { reader = SQLiteColumnReader(statement, zone: zone) }
                rows.append(reader!.row(statement))
            } else if rc == SQLITE_DONE {
                break
            } else {
                throw SQLiteError.last(db, rc, context: "statement failed", sql: sql)
            }
        }
        if collectingRows {
            outcome.rows = rows
        }
        let changed = sqlite3_total_changes64(db) != changesBefore
        let rowID = sqlite3_last_insert_rowid(db)
        outcome.result = GTAExecuteResult(
            rowsAffected: changed ? Int(sqlite3_changes64(db)) : 0,
            lastInsertID: rowID > 0 ? UInt64(rowID) : 0
        )
    }
}
