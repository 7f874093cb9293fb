import Foundation
import GTA
import GTASQLite
import Testing

@Suite("Values round-trip through SQLite")
struct ValueRoundTripTests {
    private static let schema = """
        CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, d DATETIME, f BOOLEAN)
        """

    private func roundTrip(_ db: SQLiteDatabase, column: String, _ value: GTAValue) async throws -> GTAValue {
        _ = try await db.execute("DELETE FROM v", [])
        _ = try await db.execute("INSERT INTO v (id, \(column)) VALUES (1, ?)", [value])
        let rows = try await db.query("SELECT \(column) FROM v WHERE id = 1", [])
        return try #require(rows.first?[column])
    }

    @Test func integersTextAndBytes() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute(Self.schema)
            #expect(try await roundTrip(db, column: "i", .int(.min)) == .int(.min))
            #expect(try await roundTrip(db, column: "i", .int(.max)) == .int(.max))
            #expect(try await roundTrip(db, column: "i", .uint(UInt64(Int64.max))) == .int(.max))
            #expect(try await roundTrip(db, column: "i", .null) == .null)
            #expect(try await roundTrip(db, column: "r", .double(3.25)) == .double(3.25))
            #expect(try await roundTrip(db, column: "r", .double(-1e300)) == .double(-1e300))
            let emoji = "héllo 👩‍👩‍👧 𝄞 ☃︎"
            #expect(try await roundTrip(db, column: "t", .string(emoji)) == .string(emoji))
            #expect(try await roundTrip(db, column: "t", .string("")) == .string(""))
            let big = String(repeating: "abcdefgh", count: 1 << 17)  // 1 MiB
            #expect(try await roundTrip(db, column: "t", .string(big)) == .string(big))
            let bytes: [UInt8] = [0, 1, 0, 255, 0, 0]
            #expect(try await roundTrip(db, column: "b", .bytes(bytes)) == .bytes(bytes))
            #expect(try await roundTrip(db, column: "b", .bytes([])) == .bytes([]))
        }
    }

    @Test func booleansAreIntegers() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute(Self.schema)
            #expect(try await roundTrip(db, column: "f", .bool(true)) == .int(1))
            #expect(try await roundTrip(db, column: "f", .bool(false)) == .int(0))
            let row = try #require(try await db.query("SELECT f FROM v").first)
            #expect(try row.decode(Bool.self, "f") == false)
        }
    }

    @Test func unsignedAboveInt64MaxIsRejected() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute(Self.schema)
            let error = await #expect(throws: SQLiteError.self) {
                _ = try await db.execute("INSERT INTO v (i) VALUES (?)", [.uint(.max)])
            }
            #expect(error?.resultCode == 20)
            #expect(error?.description.contains("18446744073709551615") == true)
            #expect(try await db.query("SELECT COUNT(*) AS n FROM v").first?.decode(Int.self, "n") == 0)
            // A value that fits reads back as UInt64.
            _ = try await db.execute("INSERT INTO v (id, i) VALUES (2, ?)", [.uint(42)])
            #expect(try await db.query("SELECT i FROM v WHERE id = 2").first?.decode(UInt64.self, "i") == 42)
        }
    }

    @Test func datesInUTCAreWholeSeconds() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute(Self.schema)
            let date = Date(timeIntervalSince1970: 1_700_000_000.789)
            let back = try await roundTrip(db, column: "d", .date(date))
            #expect(back == .date(Date(timeIntervalSince1970: 1_700_000_000)))
            let text = try await db.query("SELECT CAST(d AS TEXT) AS s FROM v").first?.decode(String.self, "s")
            #expect(text == "2023-11-14 22:13:20")
            // SQLite's own CURRENT_TIMESTAMP reads back as a date in UTC.
            #expect(db.sqliteDialect == SQLiteDialect())
            _ = try await db.execute("UPDATE v SET d = \(db.sqliteDialect.now)")
            let now = try #require(try await db.query("SELECT d FROM v").first?.decode(Date.self, "d"))
            #expect(abs(now.timeIntervalSinceNow) < 5)
            // Dates before 1970 and far ahead.
            for seconds in [-2_208_988_800.0, 0, 4_102_444_799] {
                let d = Date(timeIntervalSince1970: seconds)
                #expect(try await roundTrip(db, column: "d", .date(d)) == .date(d))
            }
        }
    }

    @Test func datesInAConfiguredZone() async throws {
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        try await withDatabase({ $0.timeZone = zone }) { db, _ in
            _ = try await db.execute(Self.schema)
            let winter = Date(timeIntervalSince1970: 1_700_000_000.5)  // 2023-11-14 22:13:20 UTC
            #expect(try await roundTrip(db, column: "d", .date(winter)) == .date(Date(timeIntervalSince1970: 1_700_000_000)))
            #expect(try await db.query("SELECT CAST(d AS TEXT) AS s FROM v").first?.decode(String.self, "s") == "2023-11-14 17:13:20")
            let summer = Date(timeIntervalSince1970: 1_719_835_200)  // 2024-07-01 12:00:00 UTC
            #expect(try await roundTrip(db, column: "d", .date(summer)) == .date(summer))
            #expect(try await db.query("SELECT CAST(d AS TEXT) AS s FROM v").first?.decode(String.self, "s") == "2024-07-01 08:00:00")
            // The dialect's current time is in the configured zone too.
            #expect(db.sqliteDialect.now == "gta_now()")
            _ = try await db.execute("UPDATE v SET d = \(db.sqliteDialect.now)")
            let now = try #require(try await db.query("SELECT d FROM v").first?.decode(Date.self, "d"))
            #expect(abs(now.timeIntervalSinceNow) < 5)
        }
    }

    @Test func decodableRows() async throws {
        struct Item: Decodable, Equatable {
            let id: Int64
            let name: String
            let note: String?
            let createdAt: Date
            let active: Bool
            let payload: [UInt8]
            enum CodingKeys: String, CodingKey {
                case id, name, note, active, payload
                case createdAt = "created_at"
            }
        }
        try await withDatabase { db, _ in
            _ = try await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT, created_at DATETIME NOT NULL, active BOOLEAN NOT NULL, payload BLOB)")
            let created = Date(timeIntervalSince1970: 1_600_000_000)
            _ = try await db.execute("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", [.int(7), "seven", .null, .date(created), .bool(true), .bytes([0, 7])])
            let items = try await db.transaction { tx in
                try await tx.query("SELECT * FROM items WHERE id = ?", [.int(7)], as: Item.self)
            }
            #expect(items == [Item(id: 7, name: "seven", note: nil, createdAt: created, active: true, payload: [0, 7])])
        }
    }

    @Test func executeResults() async throws {
        try await withDatabase { db, _ in
            let create = try await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER)", [])
            #expect(create == GTAExecuteResult(rowsAffected: 0, lastInsertID: 0))
            #expect(try await db.execute("INSERT INTO t (n) VALUES (?)", [1]) == GTAExecuteResult(rowsAffected: 1, lastInsertID: 1))
            #expect(try await db.execute("INSERT INTO t (n) VALUES (?), (?)", [2, 3]).lastInsertID == 3)
            #expect(try await db.execute("UPDATE t SET n = n + 1", []) == GTAExecuteResult(rowsAffected: 3, lastInsertID: 0))
            #expect(try await db.execute("UPDATE t SET n = 0 WHERE id = 99", []).rowsAffected == 0)
            // Several statements in one call share the values in order.
            _ = try await db.execute("INSERT INTO t (n) VALUES (?); INSERT INTO t (n) VALUES (?);", [10, 11])
            #expect(try await db.query("SELECT SUM(n) AS s FROM t").first?.decode(Int.self, "s") == 2 + 3 + 4 + 21)
        }
    }

    @Test func wrongNumberOfValuesIsAClearError() async throws {
        try await withDatabase { db, _ in
            _ = try await db.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
            let error = await #expect(throws: SQLiteError.self) {
                _ = try await db.execute("INSERT INTO t VALUES (?, ?)", [1])
            }
            #expect(error?.description.contains("2 parameters but 1 values") == true)
            let syntax = await #expect(throws: SQLiteError.self) {
                try await db.query("SELEC 1")
            }
            #expect(syntax?.description.contains("syntax error") == true)
            #expect(syntax?.sql == "SELEC 1")
        }
    }
}
