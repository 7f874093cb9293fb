import GTA
import GTAMariaDB

/// The server's version and the settings that decide write rates.
struct ServerInfo: Sendable {
    var version = ""
    var flushLogAtTrxCommit = ""
    var bufferPoolSize = ""
    var autoincLockMode = ""
    var logBin = ""
    var syncBinlog = ""

    static func read(_ db: MariaDBDatabase) async throws -> ServerInfo {
        let row = try await db.query(
            """
            SELECT VERSION() AS v, @@innodb_flush_log_at_trx_commit AS f, @@innodb_buffer_pool_size AS b,
            @@innodb_autoinc_lock_mode AS a, @@log_bin AS l, @@sync_binlog AS s
            """
        ).first
        func text(_ name: String) -> String {
            guard let value = row?[name] else { return "?" }
            switch value {
            case .int(let v): return String(v)
            case .uint(let v): return String(v)
            case .string(let s): return s
            case .bytes(let b): return String(decoding: b, as: UTF8.self)
            default: return value.description
            }
        }
        var info = ServerInfo()
        info.version = text("v")
        info.flushLogAtTrxCommit = text("f")
        let bytes = Int(text("b")) ?? 0
        info.bufferPoolSize = bytes > 0 ? "\(bytes / (1 << 20))M" : text("b")
        info.autoincLockMode = text("a")
        info.logBin = text("l") == "1" ? "ON" : (text("l") == "0" ? "OFF" : text("l"))
        info.syncBinlog = text("s")
        return info
    }

    var summary: String {
        "MariaDB \(version): innodb_flush_log_at_trx_commit=\(flushLogAtTrxCommit), innodb_buffer_pool_size=\(bufferPoolSize), innodb_autoinc_lock_mode=\(autoincLockMode), log_bin=\(logBin), sync_binlog=\(syncBinlog)"
    }

    var json: [String: JSONOut] {
        [
            "version": .string(version), "innodb_flush_log_at_trx_commit": .string(flushLogAtTrxCommit),
            "innodb_buffer_pool_size": .string(bufferPoolSize), "innodb_autoinc_lock_mode": .string(autoincLockMode),
            "log_bin": .string(logBin), "sync_binlog": .string(syncBinlog),
        ]
    }
}
