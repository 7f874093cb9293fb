import CSQLite
import Foundation
import GTA

/// One SQLite connection (`sqlite3*`) with its own ``BlockingThread``.
///
/// Every SQLite call on the handle, and on its prepared statements, runs on that thread: the
/// handle is opened with `SQLITE_OPEN_NOMUTEX` (one thread at a time is SQLite's rule for it), and
/// a call that waits for a file lock (the busy handler sleeps) never stalls Swift's cooperative
/// pool.
///
/// `@unchecked Sendable`: the mutable state (`handle`, `cache`) is only touched by work that runs
/// on `thread`, which runs one item at a time.
///
/// Work sent to the thread captures the connection `unowned`: whoever awaits the work holds the
/// connection, and the thread may keep a finished work item for a while, so a strong capture
/// would keep a dropped connection (and its file lock) alive.
final class SQLiteConnection: @unchecked Sendable {
    /// What a connection serves; decides its pragmas.
    enum Role: Sendable, CustomStringConvertible {
        /// Transactions and autocommitted writes; sets the journal mode.
        case writer
        /// Autocommitted reads; `PRAGMA query_only`.
        case reader(Int)

        var description: String {
            switch self {
            case .writer: return "writer"
            case .reader(let n): return "reader \(n)"
            }
        }
    }

    /// What an autocommitted query found on a reader.
    enum QueryOutcome: Sendable {
        /// The rows.
        case rows([GTARow])
        /// The SQL writes: run it on the writer instead. Nothing was run.
        case needsWriter
    }

    let configuration: SQLiteConfiguration
    let role: Role
    private let thread: BlockingThread
    private var handle: OpaquePointer?
    private var cache: StatementCache
    private let busyTimeoutMilliseconds: Int32

    /// The file path, or `:memory:`, for messages.
    var displayPath: String { configuration.path ?? ":memory:" }

    private init(configuration: SQLiteConfiguration, role: Role) {
        self.configuration = configuration
        self.role = role
        self.thread = BlockingThread(name: "gta-sqlite-\(role)")
        self.cache = StatementCache(capacity: configuration.statementCacheCapacity)
        let ms = configuration.busyTimeout / .milliseconds(1)
        self.busyTimeoutMilliseconds = Int32(clamping: Int64(max(0, ms.rounded(.up))))
    }

    deinit {
        guard let handle else {
            thread.stop()
            return
        }
        // Not closed by the owner: finalize and close on the connection's own thread.
        var cache = self.cache
        let leftovers = Leftovers(handle: handle, close: { cache.removeAll() })
        thread.submit { leftovers.closeAll() }
        thread.stop()
    }

    /// Opens a connection and applies the configuration's pragmas.
    /// - Throws: ``SQLiteError`` saying which file could not be opened or configured, and why.
    static func open(_ configuration: SQLiteConfiguration, role: Role) async throws -> SQLiteConnection {
        let connection = SQLiteConnection(configuration: configuration, role: role)
        do {
            try await connection.thread.run { [unowned connection] in try connection.openOnThread() }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    // MARK: - Async entry points (each hops to the connection's thread)

    /// Runs a statement. With `retryingBusy`, a single statement reported busy or locked is tried
    /// again within the busy timeout and retry bound (only correct outside an explicit transaction,
    /// or for `COMMIT`).
    ///
    /// `check` runs first, on the connection's thread, in order with everything else queued there:
    /// a transaction handle uses it to refuse a statement that arrives after its transaction ended.
    func execute(
        _ sql: String,
        _ binds: [GTAValue],
        retryingBusy: Bool,
        check: @escaping @Sendable () throws -> Void = {}
    ) async throws -> GTAExecuteResult {
        try await thread.run { [unowned self] in
            try check()
            return try self.run(sql, binds, collectingRows: false, retryingBusy: retryingBusy).result
        }
    }

    /// Runs a query and returns its rows; `check` as for ``execute(_:_:retryingBusy:check:)``.
    func query(
        _ sql: String,
        _ binds: [GTAValue],
        retryingBusy: Bool,
        check: @escaping @Sendable () throws -> Void = {}
    ) async throws -> [GTARow] {
        try await thread.run { [unowned self] in
            try check()
            return try self.run(sql, binds, collectingRows: true, retryingBusy: retryingBusy).rows
        }
    }

    /// Runs a query if SQLite says it only reads; otherwise runs nothing and says so.
    func queryIfReadOnly(_ sql: String, _ binds: [GTAValue]) async throws -> QueryOutcome {
        try await thread.run { [unowned self] in
            let outcome = try self.run(sql, binds, collectingRows: true, retryingBusy: true, requiringReadOnly: true)
            return outcome.wasReadOnly ? .rows(outcome.rows) : .needsWriter
        }
    }

    /// `BEGIN IMMEDIATE`: takes the database's write lock now, waiting and retrying while another
    /// connection or process holds it.
    func begin() async throws {
        _ = try await execute("BEGIN IMMEDIATE", [], retryingBusy: true)
    }

    /// `COMMIT`, retried while busy (the transaction stays open until it succeeds).
    func commit() async throws {
        _ = try await execute("COMMIT", [], retryingBusy: true)
    }

    /// Rolls back the open transaction, if any; errors are swallowed (SQLite may already have
    /// rolled back, after an I/O error for example).
    func rollbackQuietly() async {
        _ = try? await thread.run { [unowned self] in
            guard let handle = self.handle, sqlite3_get_autocommit(handle) == 0 else { return }
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
        }
    }

    /// Finalizes the statements, closes the handle and stops the thread.
    func close() async {
        _ = try? await thread.run { [unowned self] in
            self.cache.removeAll()
            if let handle = self.handle {
                sqlite3_close_v2(handle)
                self.handle = nil
            }
        }
        thread.stop()
    }

    // MARK: - On the connection's thread

    private func openOnThread() throws {
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
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        do {
            if case .writer = role, !configuration.isInMemory {
                _ = try run("PRAGMA journal_mode=\(configuration.journalMode.rawValue)", [], collectingRows: true, retryingBusy: true)
            }
            _ = try run("PRAGMA synchronous=\(configuration.synchronous.rawValue)", [], collectingRows: false, retryingBusy: true)
            _ = try run("PRAGMA foreign_keys=\(configuration.foreignKeys ? "ON" : "OFF")", [], collectingRows: false, retryingBusy: true)
            if case .reader = role {
                _ = try run("PRAGMA query_only=ON", [], collectingRows: false, retryingBusy: true)
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
        registerNowFunction(db)
    }

    /// `gta_now()`: the current time as `DATETIME` text in the configured zone.
    private func registerNowFunction(_ db: OpaquePointer) {
        let box = Unmanaged.passRetained(TimeZoneBox(configuration.timeZone)).toOpaque()
        sqlite3_create_function_v2(
            db, "gta_now", 0, SQLITE_UTF8, box,
            { context, _, _ in
                guard let context, let data = sqlite3_user_data(context) else { return }
                let zone = Unmanaged<TimeZoneBox>.fromOpaque(data).takeUnretainedValue().zone
                let text = SQLiteDateText.format(Date(), in: zone)
                sqlite3_result_text(context, text, -1, csqlite_transient())
            },
            nil, nil,
            { data in
                guard let data else { return }
                Unmanaged<TimeZoneBox>.fromOpaque(data).release()
            }
        )
    }

    private struct RunOutcome {
        var result = GTAExecuteResult(rowsAffected: 0)
        var rows: [GTARow] = []
        var wasReadOnly = true
    }

    /// Prepares (or reuses) the statements of `sql`, binds `binds` across them in order and steps
    /// them all.
    private func run(
        _ sql: String,
        _ binds: [GTAValue],
        collectingRows: Bool,
        retryingBusy: Bool,
        requiringReadOnly: Bool = false
    ) throws -> RunOutcome {
        guard let db = handle else {
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
                try bind(binds[next + k], at: Int32(k + 1), of: statement, db: db, sql: sql)
            }
            next += count
            let isLast = position == statements.count - 1
            let step = {
                try self.step(statement, db: db, sql: sql, collectingRows: collectingRows && isLast, into: &outcome)
            }
            if retryingBusy && statements.count == 1 {
                try retryingWhileBusy(db: db, statement: statement, step)
            } else {
                try step()
            }
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
                        throw lastError(db, rc, context: "cannot prepare statement", sql: sql)
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
        var reader: ColumnReader?
        var rows: [GTARow] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_ROW {
                guard collectingRows else { continue }
                if reader == nil { reader = ColumnReader(statement, timeZone: configuration.timeZone) }
                rows.append(reader!.row(statement))
            } else if rc == SQLITE_DONE {
                break
            } else {
                throw lastError(db, rc, context: "statement failed", sql: sql)
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

    /// Runs `attempt` and, while it fails busy or locked, resets `statement` and runs it again
    /// after a short backoff, within the busy timeout and at most `maximumBusyRetries` times.
    private func retryingWhileBusy(db: OpaquePointer, statement: OpaquePointer, _ attempt: () throws -> Void) throws {
        let clock = ContinuousClock()
        let start = clock.now
        var retries = 0
        defer {
            if retries > 0 { sqlite3_busy_timeout(db, busyTimeoutMilliseconds) }
        }
        while true {
            do {
                try attempt()
                return
            } catch let error as SQLiteError where error.isBusy || error.isLocked {
                let remaining = configuration.busyTimeout - (clock.now - start)
                guard configuration.maximumBusyRetries > retries, remaining > .zero else {
                    throw SQLiteError(
                        extendedResultCode: error.extendedResultCode,
                        message: error.message + "; another connection or process held the lock for longer than the busy timeout (\(configuration.busyTimeout))",
                        context: error.context,
                        sql: error.sql,
                        busyRetries: retries
                    )
                }
                sqlite3_reset(statement)
                let backoff = min(Duration.milliseconds(1 << min(retries, 5)), remaining)
                retries += 1
                Thread.sleep(forTimeInterval: Double(backoff.components.attoseconds) / 1e18 + Double(backoff.components.seconds))
                let left = remaining - backoff
                sqlite3_busy_timeout(db, Int32(clamping: Int64(max(1, (left / .milliseconds(1)).rounded(.up)))))
            }
        }
    }

    private func bind(_ value: GTAValue, at index: Int32, of statement: OpaquePointer, db: OpaquePointer, sql: String) throws {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(statement, index)
        case .int(let v):
            rc = sqlite3_bind_int64(statement, index, v)
        case .uint(let v):
            guard let signed = Int64(exactly: v) else {
                throw SQLiteError(
                    extendedResultCode: SQLiteError.Code.mismatch,
                    message: "parameter \(index): the unsigned value \(v) is larger than \(Int64.max), the largest SQLite INTEGER",
                    context: "cannot bind values",
                    sql: sql
                )
            }
            rc = sqlite3_bind_int64(statement, index, signed)
        case .bool(let v):
            rc = sqlite3_bind_int64(statement, index, v ? 1 : 0)
        case .double(let v):
            rc = sqlite3_bind_double(statement, index, v)
        case .string(let v):
            rc = bindText(v, at: index, of: statement)
        case .date(let v):
            rc = bindText(SQLiteDateText.format(v, in: configuration.timeZone), at: index, of: statement)
        case .bytes(let v):
            if v.isEmpty {
                rc = sqlite3_bind_zeroblob(statement, index, 0)
            } else {
                rc = v.withUnsafeBytes { sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), csqlite_transient()) }
            }
        }
        guard rc == SQLITE_OK else {
            throw lastError(db, rc, context: "cannot bind parameter \(index)", sql: sql)
        }
    }

    private func bindText(_ text: String, at index: Int32, of statement: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else {
                return sqlite3_bind_text(statement, index, "", 0, csqlite_transient())
            }
            let chars = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
            return sqlite3_bind_text64(statement, index, chars, UInt64(buffer.count), csqlite_transient(), UInt8(SQLITE_UTF8))
        }
    }

    private func lastError(_ db: OpaquePointer, _ rc: Int32, context: String, sql: String?) -> SQLiteError {
        var extended = sqlite3_extended_errcode(db)
        if extended & 0xFF != rc & 0xFF { extended = rc }
        return SQLiteError(extendedResultCode: extended, message: String(cString: sqlite3_errmsg(db)), context: context, sql: sql)
    }
}

/// Reads rows of one statement: column names once, values by storage class and declared type.
private struct ColumnReader {
    let columns: GTAColumns
    let isDateColumn: [Bool]
    let timeZone: TimeZone

    init(_ statement: OpaquePointer, timeZone: TimeZone) {
        let count = sqlite3_column_count(statement)
        var names: [String] = []
        var dates: [Bool] = []
        for i in 0..<count {
            names.append(sqlite3_column_name(statement, i).map { String(cString: $0) } ?? "column\(i + 1)")
            let declared = sqlite3_column_decltype(statement, i).map { String(cString: $0).uppercased() } ?? ""
            dates.append(declared.contains("DATE") || declared.contains("TIMESTAMP"))
        }
        self.columns = GTAColumns(names)
        self.isDateColumn = dates
        self.timeZone = timeZone
    }

    func row(_ statement: OpaquePointer) -> GTARow {
        var values: [GTAValue] = []
        values.reserveCapacity(isDateColumn.count)
        for i in 0..<isDateColumn.count {
            let index = Int32(i)
            switch sqlite3_column_type(statement, index) {
            case SQLITE_INTEGER:
                values.append(.int(sqlite3_column_int64(statement, index)))
            case SQLITE_FLOAT:
                values.append(.double(sqlite3_column_double(statement, index)))
            case SQLITE_TEXT:
                let count = Int(sqlite3_column_bytes(statement, index))
                let text = sqlite3_column_text(statement, index).map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                } ?? ""
                if isDateColumn[i], let date = SQLiteDateText.parse(text, in: timeZone) {
                    values.append(.date(date))
                } else {
                    values.append(.string(text))
                }
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(statement, index))
                if count > 0, let blob = sqlite3_column_blob(statement, index) {
                    values.append(.bytes(Array(UnsafeRawBufferPointer(start: blob, count: count))))
                } else {
                    values.append(.bytes([]))
                }
            default:
                values.append(.null)
            }
        }
        return GTARow(columns: columns, values: values)
    }
}

/// The time zone handed to `gta_now()` as SQLite user data.
private final class TimeZoneBox {
    let zone: TimeZone
    init(_ zone: TimeZone) { self.zone = zone }
}

/// A handle and its statements left open by a connection that was not closed, finalized on the
/// connection's thread by its `deinit`.
///
/// `@unchecked Sendable`: it moves to that thread once and is used there alone.
private final class Leftovers: @unchecked Sendable {
    let handle: OpaquePointer
    let close: () -> Void

    init(handle: OpaquePointer, close: @escaping () -> Void) {
        self.handle = handle
        self.close = close
    }

    func closeAll() {
        close()
        sqlite3_close_v2(handle)
    }
}
