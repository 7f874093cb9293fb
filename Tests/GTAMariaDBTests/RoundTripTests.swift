import Foundation
import GTA
import GTAMariaDB
import Testing

@Suite("MariaDB value round trips")
struct RoundTripTests {
    @Test func everyValueType() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_roundtrip", """
            id BIGINT AUTO_INCREMENT PRIMARY KEY, i BIGINT NULL, u BIGINT UNSIGNED NULL, d DOUBLE NULL,
            b TINYINT(1) NULL, s TEXT NULL, big LONGTEXT NULL, bin BLOB NULL, t DATETIME NULL, vb VARBINARY(16) NULL
            """)
        let emoji = "héllo 🎉🧪 𝄞 你好"
        let mebibyte = String(repeating: "abcdefgh🎉", count: 1 << 20 / 12) + String(repeating: "x", count: 100)
        let bytes: [UInt8] = [0, 1, 0, 255, 0, 127, 0]
        let when = Date(timeIntervalSince1970: 1_700_000_123)
        let r1 = try await db.execute(
            "INSERT INTO conn_roundtrip (i, u, d, b, s, big, bin, t, vb) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.int(Int64.min), .uint(UInt64.max), .double(3.141592653589793), .bool(true), .string(emoji),
             .string(mebibyte), .bytes(bytes), .date(when), .bytes([0, 0, 9])]
        )
        #expect(r1.rowsAffected == 1)
        // Galera steps auto-increment ids by the cluster size (auto_increment_increment), so
        // only their order is certain.
        #expect(r1.lastInsertID >= 1)
        let r2 = try await db.execute(
            "INSERT INTO conn_roundtrip (i, u, d, b, s, big, bin, t, vb) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.int(Int64.max), .uint(0), .double(-0.5), .bool(false), .string(""), .null, .bytes([]), .null, .null]
        )
        #expect(r2.lastInsertID > r1.lastInsertID)

        let rows = try await db.query("SELECT * FROM conn_roundtrip ORDER BY id")
        #expect(rows.count == 2)
        let a = rows[0], b = rows[1]
        #expect(a["i"] == .int(Int64.min))
        #expect(a["u"] == .uint(UInt64.max))
        #expect(a["d"] == .double(3.141592653589793))
        #expect(a["b"] == .int(1))
        #expect(try a.decode(Bool.self, "b") == true)
        #expect(a["s"] == .string(emoji))
        #expect(try a.decode(String.self, "big") == mebibyte)
        #expect(mebibyte.utf8.count > 1 << 20)
        #expect(a["bin"] == .bytes(bytes))
        #expect(a["vb"] == .bytes([0, 0, 9]))
        #expect(a["t"] == .date(when))
        #expect(b["i"] == .int(Int64.max))
        #expect(b["u"] == .uint(0))
        #expect(b["b"] == .int(0))
        #expect(try b.decode(Bool.self, "b") == false)
        #expect(b["s"] == .string(""))
        #expect(b["big"] == .null)
        #expect(b["bin"] == .bytes([]))
        #expect(b["t"] == .null)
        #expect(try b.decode(Date?.self, "t") == nil)

        // The same values through a bound WHERE clause (statement cache reuse included).
        for _ in 0..<3 {
            let found = try await db.query("SELECT id FROM conn_roundtrip WHERE s = ? AND u = ? AND bin = ?", [.string(emoji), .uint(UInt64.max), .bytes(bytes)])
            #expect(found.count == 1)
        }
        // A long value read many times, and a short one after it (buffer growth and reuse).
        for _ in 0..<2 {
            let big = try await db.query("SELECT big, s FROM conn_roundtrip ORDER BY id")
            #expect(big[0]["big"] == .string(mebibyte))
            #expect(big[1]["s"] == .string(""))
        }
    }

    /// A connection binds every statement from one set of parameter arrays and one byte buffer,
    /// which it gives back after a statement of more than `MariaDBScratch.keptParameters` or
    /// `keptBytes`: statements of many and few parameters and of long and short text, in turn
    /// and each run again from the statement cache, on one connection.
    @Test func largeAndSmallStatementsInTurnOnOneConnection() async throws {
        let db = try testDatabase { $0.maximumConnections = 1 }
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_wide_binds", "id BIGINT PRIMARY KEY, s VARCHAR(40) NOT NULL, t DATETIME NULL, note MEDIUMTEXT NULL")
        let when = Date(timeIntervalSince1970: 1_700_000_000)
        func insert(_ ids: Range<Int>) async throws {
            let rows = Array(repeating: "(?, ?, ?)", count: ids.count).joined(separator: ", ")
            var binds: [GTAValue] = []
            for id in ids { binds += [.int(Int64(id)), .string("row \(id) é"), .date(when.addingTimeInterval(Double(id)))] }
            let result = try await db.execute("INSERT INTO conn_wide_binds (id, s, t) VALUES \(rows)", binds)
            #expect(result.rowsAffected == ids.count)
        }
        func select(_ ids: [Int]) async throws -> [GTARow] {
            let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            return try await db.query("SELECT id, s, t FROM conn_wide_binds WHERE id IN (\(list)) ORDER BY id", ids.map { .int(Int64($0)) })
        }
        try await insert(0..<100)  // 300 parameters
        try await insert(100..<102)  // 6
        try await insert(102..<202)  // 300 again, the cached statement
        try await insert(202..<203)  // 3
        for round in 0..<2 {
            let wide = try await select(Array(stride(from: 1, to: 203, by: 2)))  // 101 parameters
            #expect(wide.count == 101, "round \(round)")
            for (n, row) in wide.enumerated() {
                let id = 2 * n + 1
                #expect(row["id"] == .int(Int64(id)))
                #expect(row["s"] == .string("row \(id) é"))
                #expect(row["t"] == .date(when.addingTimeInterval(Double(id))))
            }
            let narrow = try await select([202, 0])
            #expect(narrow.map { $0["id"] } == [.int(0), .int(202)], "round \(round)")
            #expect(narrow.last?["s"] == .string("row 202 é"))
        }
        // Long text (past the 64 kB the buffer keeps), short text, long text again.
        let long = [String(repeating: "long é ", count: 40_000), String(repeating: "autre ü ", count: 30_000)]
        let update = "UPDATE conn_wide_binds SET note = ? WHERE id = ?"
        #expect(try await db.execute(update, [.string(long[0]), .int(5)]).rowsAffected == 1)
        #expect(try await db.execute(update, [.string("short"), .int(6)]).rowsAffected == 1)
        #expect(try await db.execute(update, [.string(long[1]), .int(7)]).rowsAffected == 1)
        let notes = try await db.query("SELECT id, note FROM conn_wide_binds WHERE id IN (?, ?, ?) ORDER BY id", [.int(5), .int(6), .int(7)])
        #expect(notes.map { $0["note"] } == [.string(long[0]), .string("short"), .string(long[1])])
    }

    @Test func literalsWithoutBindsAreTyped() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        let row = try #require(try await db.query("SELECT 1 AS one, -5 AS neg, 2.5e0 AS dbl, 'txt' AS s, NULL AS n, CAST(18446744073709551615 AS UNSIGNED) AS big, CAST('2024-02-29 12:34:56' AS DATETIME) AS dt, SUM(2) AS total, X'00FF' AS raw").first)
        #expect(row["one"] == .int(1))
        #expect(row["neg"] == .int(-5))
        #expect(row["dbl"] == .double(2.5))
        #expect(row["s"] == .string("txt"))
        #expect(row["n"] == .null)
        #expect(row["big"] == .uint(UInt64.max))
        #expect(row["dt"] == .date(Date(timeIntervalSince1970: 1_709_210_096)))
        #expect(try row.decode(Int.self, "total") == 2)  // DECIMAL arrives as text
        #expect(row["raw"] == .bytes([0, 255]))
        // A statement the server cannot prepare falls back to the text protocol.
        let text = try await db.query("SHOW VARIABLES LIKE 'character_set_connection'")
        #expect(text.first?["Value"] == .string("utf8mb4"))
        let collation = try await db.query("SELECT @@collation_connection AS c, @@time_zone AS tz")
        #expect(collation.first?["c"] == .string("utf8mb4_unicode_ci"))
        #expect(collation.first?["tz"] == .string("+00:00"))
    }

    @Test func dateTimeInConfiguredZone() async throws {
        let utc = try testDatabase()
        let tokyo = try testDatabase { $0.timeZone = TimeZone(identifier: "Asia/Tokyo")! }
        let newYork = try testDatabase { $0.timeZone = TimeZone(identifier: "America/New_York")! }
        defer { Task { await utc.shutdown(); await tokyo.shutdown(); await newYork.shutdown() } }
        try await recreate(utc, "conn_datetime", "id INT PRIMARY KEY, t DATETIME NOT NULL, t6 DATETIME(6) NULL")
        let when = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC
        _ = try await tokyo.execute("INSERT INTO conn_datetime (id, t) VALUES (1, ?)", [.date(when)])
        // Stored as Tokyo wall-clock time...
        let asText = try await utc.query("SELECT CAST(t AS CHAR) AS s FROM conn_datetime WHERE id = 1")
        #expect(asText.first?["s"] == .string("2023-11-15 07:13:20"))
        // ...read back as the same instant in Tokyo, and as a different instant in UTC.
        #expect(try await tokyo.query("SELECT t FROM conn_datetime").first?["t"] == .date(when))
        #expect(try await utc.query("SELECT t FROM conn_datetime").first?["t"] == .date(when.addingTimeInterval(9 * 3600)))
        // A zone with daylight saving time, winter and summer.
        let summer = Date(timeIntervalSince1970: 1_719_835_200)  // 2024-07-01 12:00:00 UTC
        _ = try await newYork.execute("INSERT INTO conn_datetime (id, t, t6) VALUES (2, ?, ?), (3, ?, NULL)", [.date(summer), .date(summer.addingTimeInterval(0.25)), .date(when)])
        let ny = try await utc.query("SELECT id, CAST(t AS CHAR) AS s, CAST(t6 AS CHAR) AS s6 FROM conn_datetime WHERE id > 1 ORDER BY id")
        #expect(ny[0]["s"] == .string("2024-07-01 08:00:00"))
        #expect(ny[0]["s6"] == .string("2024-07-01 08:00:00.250000"))
        #expect(ny[1]["s"] == .string("2023-11-14 17:13:20"))
        let back = try await newYork.query("SELECT t, t6 FROM conn_datetime WHERE id = 2")
        #expect(back.first?["t"] == .date(summer))
        #expect(back.first?["t6"] == .date(summer.addingTimeInterval(0.25)))
        // NOW() agrees with the configured zone: the session time zone matches.
        let now = try #require(try await tokyo.query("SELECT NOW() AS n").first?.decode(Date.self, "n"))
        #expect(abs(now.timeIntervalSinceNow) < 5)
    }

    struct Note: Decodable, Equatable {
        var id: Int64
        var title: String
        var score: Double?
        var done: Bool
        var created: Date
        var owner: UInt64
    }

    @Test func decodesIntoDecodable() async throws {
        let db = try testDatabase()
        defer { Task { await db.shutdown() } }
        try await recreate(db, "conn_decodable", "id BIGINT PRIMARY KEY, title VARCHAR(100) NOT NULL, score DOUBLE NULL, done BOOLEAN NOT NULL, created DATETIME NOT NULL, owner BIGINT UNSIGNED NOT NULL")
        let created = Date(timeIntervalSince1970: 1_600_000_000)
        _ = try await db.execute("INSERT INTO conn_decodable VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)", [
            7, "first ✓", 1.5, true, .date(created), .uint(42),
            8, "second", nil, false, .date(created), .uint(UInt64.max),
        ])
        let notes = try await db.query("SELECT * FROM conn_decodable ORDER BY id", as: Note.self)
        #expect(notes == [
            Note(id: 7, title: "first ✓", score: 1.5, done: true, created: created, owner: 42),
            Note(id: 8, title: "second", score: nil, done: false, created: created, owner: UInt64.max),
        ])
    }

    @Test func unixSocket() async throws {
        guard let socket = ProcessInfo.processInfo.environment["GTA_TEST_DATABASE_SOCKET"], !socket.isEmpty else {
            Issue.record("GTA_TEST_DATABASE_SOCKET is not set (scripts/test exports it; scripts/mariadb socket prints it)")
            return
        }
        let db = try testDatabase { $0.unixSocket = socket }
        defer { Task { await db.shutdown() } }
        // Over the socket the server sees the client as 'localhost', over TCP as '127.0.0.1'.
        let row = try await db.query("SELECT USER() AS u, 1 AS one").first
        #expect(row?["one"] == .int(1))
        #expect(row?["u"] == .string("gta@localhost"))
        #expect(try await db.serverVersion().isEmpty == false)
    }
}
