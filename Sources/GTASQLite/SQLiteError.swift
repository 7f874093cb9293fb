import CSQLite
import GTA

/// An error from SQLite, or from this backend's own checks, with what was being done.
///
/// It carries SQLite's result codes and message and the SQL of the failing statement, never the
/// bound values. Its ``description`` reads, for example:
///
/// ```text
/// cannot open database file '/x/y.db': unable to open database file (SQLITE_CANTOPEN, 14)
/// statement failed: UNIQUE constraint failed: t.k (SQLITE_CONSTRAINT_UNIQUE, 2067); SQL: INSERT INTO t (k) VALUES (?)
/// ```
public struct SQLiteError: GTADatabaseError, CustomStringConvertible, Hashable {
    /// The primary result code, such as `SQLITE_CONSTRAINT` (19) or `SQLITE_BUSY` (5).
    public var resultCode: Int32 { extendedResultCode & 0xFF }
    /// The extended result code, such as `SQLITE_CONSTRAINT_UNIQUE` (2067); equal to
    /// ``resultCode`` when SQLite gave no detail.
    public let extendedResultCode: Int32
    /// SQLite's message, or this backend's.
    public let message: String
    /// What was being done, such as `"cannot open database file '/x/y.db'"` or `"statement failed"`.
    public let context: String
    /// The SQL of the failing statement, when there was one (shortened past 1000 characters).
    public let sql: String?
    /// How many times the statement had been retried after SQLite reported busy or locked.
    public let busyRetries: Int

    /// An error with these parts; the backend builds them, a test may too.
    public init(extendedResultCode: Int32, message: String, context: String, sql: String? = nil, busyRetries: Int = 0) {
        self.extendedResultCode = extendedResultCode
        self.message = message
        self.context = context
        if let sql, sql.count > 1000 {
            self.sql = String(sql.prefix(1000)) + "…"
        } else {
            self.sql = sql
        }
        self.busyRetries = busyRetries
    }

    /// A primary or unique key already holds the value (`SQLITE_CONSTRAINT_PRIMARYKEY` or
    /// `SQLITE_CONSTRAINT_UNIQUE`).
    public var isDuplicateKey: Bool {
        extendedResultCode == Code.constraintPrimaryKey || extendedResultCode == Code.constraintUnique
    }

    /// Another connection or process held a lock for longer than the busy timeout (`SQLITE_BUSY`).
    public var isBusy: Bool { resultCode == Code.busy }

    /// A lock conflict inside one connection or shared cache (`SQLITE_LOCKED`).
    public var isLocked: Bool { resultCode == Code.locked }

    /// Always `false`: SQLite has no deadlock victims, as a writing transaction takes the database
    /// lock up front (`BEGIN IMMEDIATE`).
    public var isDeadlock: Bool { false }

    /// Busy or locked after the busy timeout and retries: nothing of the failed statement was
    /// written, and running the transaction again later may succeed.
    public var isLockWaitTimeout: Bool { isBusy || isLocked }

    /// Always `false`: an embedded database has no connection to lose.
    public var isConnectionLost: Bool { false }

    /// The symbolic name of ``extendedResultCode`` when it is a common one, such as
    /// `"SQLITE_CONSTRAINT_UNIQUE"`, or of ``resultCode`` otherwise.
    public var codeName: String {
        Code.names[extendedResultCode] ?? Code.names[resultCode] ?? "SQLite error"
    }

    /// What was being done, SQLite's message, the code and the SQL, in one line.
    public var description: String {
        var text = "\(context): \(message) (\(codeName), \(extendedResultCode))"
        if busyRetries > 0 {
            text += " after \(busyRetries) retries"
        }
        if let sql {
            text += "; SQL: \(sql)"
        }
        return text
    }

    /// Result codes this backend tests for. SQLite defines the extended ones with macros that
    /// Swift does not import.
    enum Code {
        static let ok: Int32 = 0
        static let error: Int32 = 1
        static let busy: Int32 = 5
        static let locked: Int32 = 6
        static let constraint: Int32 = 19
        static let mismatch: Int32 = 20
        static let misuse: Int32 = 21
        static let range: Int32 = 25
        static let row: Int32 = 100
        static let done: Int32 = 101
        static let constraintPrimaryKey: Int32 = constraint | (6 << 8)
        static let constraintUnique: Int32 = constraint | (8 << 8)

        static let names: [Int32: String] = [
            0: "SQLITE_OK", 1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT",
            5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY",
            9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND",
            13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL", 17: "SQLITE_SCHEMA",
            18: "SQLITE_TOOBIG", 19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH", 21: "SQLITE_MISUSE",
            23: "SQLITE_AUTH", 25: "SQLITE_RANGE", 26: "SQLITE_NOTADB",
            5 | (1 << 8): "SQLITE_BUSY_RECOVERY", 5 | (2 << 8): "SQLITE_BUSY_SNAPSHOT",
            5 | (3 << 8): "SQLITE_BUSY_TIMEOUT", 6 | (1 << 8): "SQLITE_LOCKED_SHAREDCACHE",
            19 | (1 << 8): "SQLITE_CONSTRAINT_CHECK", 19 | (3 << 8): "SQLITE_CONSTRAINT_FOREIGNKEY",
            19 | (5 << 8): "SQLITE_CONSTRAINT_NOTNULL", constraintPrimaryKey: "SQLITE_CONSTRAINT_PRIMARYKEY",
            constraintUnique: "SQLITE_CONSTRAINT_UNIQUE", 8 | (5 << 8): "SQLITE_READONLY_DIRECTORY",
            14 | (1 << 8): "SQLITE_CANTOPEN_NOTEMPDIR", 14 | (2 << 8): "SQLITE_CANTOPEN_ISDIR",
        ]
    }
}

extension SQLiteError {
    /// The connection's last error, for a call that returned `rc`; `rc` itself when the
    /// connection's extended code belongs to another error.
    static func last(_ db: OpaquePointer, _ rc: Int32, context: String, sql: String?) -> SQLiteError {
        var extended = sqlite3_extended_errcode(db)
        if extended & 0xFF != rc & 0xFF { extended = rc }
        return SQLiteError(extendedResultCode: extended, message: String(cString: sqlite3_errmsg(db)), context: context, sql: sql)
    }
}
