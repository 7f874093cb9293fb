import Foundation
import GTAMariaDB
import ServiceContextModule
import Testing

@testable import GTA

/// SPEC 4: rows the Go original wrote (Fixtures/tasks.sql, Fixtures/go-gta-README.md) are read,
/// run and kept going by this port.
@Suite struct GoFixtureTests {
    /// Go: `Order` with fields ID int64 "id", Amount float64 "amount", Note string (no tag),
    /// Paid bool "paid", Tags []string "tags", Meta map[string]interface{} "meta",
    /// At time.Time "at", Ptr *int "ptr".
    struct Order: Codable, Sendable, Equatable {
        var id: Int64
        var amount: Double
        var Note: String
        var paid: Bool
        var tags: [String]?
        var meta: [String: JSONValue]?
        var at: GoTime
        var ptr: Int?
    }

    struct Ping: Codable, Sendable, Equatable {
        var seq: Int
        var msg: String
    }

    struct Boom: Codable, Sendable, Equatable {
        var reason: String
    }

    struct Seen: Sendable {
        var key: String
        var requestID: String?
        var argument: String  // the port's own encoding of what the handler got
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct FixtureRow: Decodable {
        var id: UInt64
        var task_key: String
        var task_status: String
        var context: String?
        var argument: String?
        var extra: String?
        var created_at: String
        var updated_at: String
    }

    /// Loads the Go rows into `table`: on MySQL-family servers from the dump itself (the Go
    /// schema, without this port's claim index); elsewhere from rows.json through binds.
    static func load(_ db: any GTADatabase, _ table: TestTable) async throws -> [FixtureRow] {
        let rows = try JSONDecoder().decode(
            [FixtureRow].self, from: Data(contentsOf: fixtures.appendingPathComponent("rows.json")))
        try await db.execute("DROP TABLE IF EXISTS \(table.quoted)", [])
        if db.dialect is MariaDBDialect {
            let dump = try String(contentsOf: fixtures.appendingPathComponent("tasks.sql"), encoding: .utf8)
            var statements: [String] = []
            var current: String?
            for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("CREATE TABLE") || line.hasPrefix("INSERT INTO") { current = "" }
                guard current != nil else { continue }
                current! += line + "\n"
                if line.hasSuffix(";") {
                    statements.append(String(current!.dropLast(2)).replacingOccurrences(of: "`tasks`", with: table.quoted))
                    current = nil
                }
            }
            #expect(statements.count == 15)
            try await db.execute("SET time_zone = '+00:00'", [])
            for sql in statements { try await db.execute(sql, []) }
        } else {
            try await TaskTable.create(named: table.name, on: db)
            let format = DateFormatter()
            format.dateFormat = "yyyy-MM-dd HH:mm:ss"
            format.timeZone = TimeZone(identifier: "UTC")
            for row in rows {
                let binds: [GTAValue] = [
                    .uint(row.id), .string(row.task_key), .string(row.task_status), row.context.map { .string($0) } ?? .null,
                    row.argument.map { .string($0) } ?? .null, row.extra.map { .string($0) } ?? .null,
                    .date(format.date(from: row.created_at)!), .date(format.date(from: row.updated_at)!),
                ]
                try await db.execute(
                    "INSERT INTO \(table.quoted) (id, task_key, task_status, context, argument, extra, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    binds)
            }
        }
        return rows
    }

    @Test(arguments: Backend.allCases)
    func goRowsRunToSucceededWithExactArguments(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            let rows = try await Self.load(db, table)
            // The rows read back exactly as Go wrote them.
            for row in rows {
                let stored = try #require(try await table.row(row.id))
                #expect(try stored.decode(String?.self, "argument") == row.argument, "row \(row.id)")
                #expect(try stored.decode(String?.self, "context") == row.context, "row \(row.id)")
            }
            let seen = Recorder<Seen>()
            let orders = Recorder<Order>()
            let maps = Recorder<[String: JSONValue]>()
            let encoder = GoJSONEncoder()
            @Sendable func note(_ key: String, _ context: ServiceContext, _ argument: any Encodable & Sendable) throws {
                let text = String(decoding: try encoder.encode(argument), as: UTF8.self)
                seen.append(Seen(key: key, requestID: context[RequestIDKey.self], argument: text))
            }
            let manager = try TaskManager(
                db: db, table: table.name,
                options: [
                    // A storage timeout of ten years: the clean-up must not delete Go's finished
                    // rows however long after the fixture was made the test runs.
                    .withLoggerFactory(RecordingLogger().factory), .withStorageTimeout(.seconds(3650 * 86400)),
                    .withInitializedTimeout(.seconds(120)), .withRunningTimeout(.seconds(300)),
                    .withScanInterval(.seconds(1)), .withInstantScanInterval(.milliseconds(100)),
                    .withCtxMarshaler(RequestIDMarshaler()),
                ])
            try manager.register("typed_arg", TaskDefinition(argumentType: Order.self) { context, order in
                orders.append(order)
                try note("typed_arg", context, order)
            })
            try manager.register("nil_arg", TaskDefinition(handler: { context, argument in
                #expect(argument == nil)
                seen.append(Seen(key: "nil_arg", requestID: context[RequestIDKey.self], argument: "nil"))
            }))
            try manager.register("map_arg", TaskDefinition(argumentType: [String: JSONValue].self) { context, map in
                maps.append(map)
                try note("map_arg", context, map)
            })
            manager.start()
            try await eventually("the seven initialized Go rows to succeed", timeout: .seconds(20)) {
                let statuses = try await table.statuses()
                return (10001...10007).allSatisfy { statuses[UInt64($0)] == .succeeded }
            }
            let byKey = Dictionary(grouping: seen.all, by: \.key)
            #expect(byKey["typed_arg"]?.count == 3)
            #expect(byKey["nil_arg"]?.count == 2)
            #expect(byKey["map_arg"]?.count == 2)
            // Every argument this port writes for the decoded values is Go's own bytes.
            let goArguments = Set(rows.compactMap { $0.argument })
            for s in seen.all where s.argument != "nil" {
                #expect(goArguments.contains(s.argument), "\(s.key): \(s.argument)")
            }
            #expect(Set(seen.all.map { $0.requestID ?? "none" }) == [
                "req-typed-1", "req-typed-2", "req-typed-3", "req-nil-1", "none", "req-map-1", "req-map-2",
            ])
            // Field by field, the values Go meant.
            let byID = Dictionary(uniqueKeysWithValues: orders.all.map { ($0.id, $0) })
            let first = try #require(byID[1001])
            #expect(first.amount == 12.5 && first.paid && first.tags == ["vip", "eu", "ß"] && first.ptr == 42)
            #expect(first.Note == "Grüße aus Zürich — 日本語 🚀👍🏽")
            #expect(first.at.nanoseconds == 123_456_789 && first.at.utcOffset == 8 * 3600)
            #expect(first.at.rfc3339String == "2024-02-29T23:59:58.123456789+08:00")
            #expect(first.meta?["nested"]?["list"]?[1] == .string("two"))
            let second = try #require(byID[1002])
            #expect(second.tags == [] && second.meta == [:] && second.ptr == nil && second.amount == 0)
            let third = try #require(byID[9_007_199_254_740_993])
            #expect(third.amount == 1e21 && third.tags == nil && third.meta == nil && third.ptr == 0 && third.at.isZero)
            #expect(third.Note == "quote \" backslash \\ <b>&amp;</b> tab\t newline\n ctrl\u{1} ls\u{2028} end")
            let big = try #require(maps.all.first { !$0.isEmpty })
            #expect(big["big"] == .int(1_152_921_504_606_846_976))
            #expect(maps.all.contains { $0.isEmpty })
            // Built-in rows found and re-armed, never duplicated; Go's finished rows untouched.
            let builtins = try await db.query(
                "SELECT id, task_key FROM \(table.quoted) WHERE task_key LIKE 'builtin:%' ORDER BY id", [])
            #expect(try builtins.map { try $0.decode(UInt64.self, "id") } == [9999, 10000])
            try await eventually("the check row (due: its loop is 15 s) to be re-armed and run again") {
                let row = try #require(try await table.row(10000))
                return try row.decode(Date.self, "updated_at") > Date().addingTimeInterval(-60)
                    && row.decode(String.self, "task_status") == "succeeded"
            }
            let statuses = try await table.statuses()
            #expect(statuses[10012] == .failed)
            #expect((10008...10011).allSatisfy { statuses[UInt64($0)] == .succeeded })
            await manager.stop(wait: true)
        }
    }

    @Test func builtinArgumentsDecodeByTheSameRules() throws {
        let clean = try GoJSONDecoder().decode(CleanUpTask.Argument.self, from: Array(#"{"storage_timeout":3600000000000}"#.utf8))
        #expect(Duration(goNanoseconds: clean.storageTimeout) == .seconds(3600))
        let check = try GoJSONDecoder().decode(
            CheckAbnormalTask.Argument.self,
            from: Array(#"{"storage_timeout":3600000000000,"running_timeout":300000000000,"initialized_timeout":120000000000}"#.utf8))
        #expect(check == CheckAbnormalTask.Argument(storageTimeout: 3_600_000_000_000, runningTimeout: 300_000_000_000, initializedTimeout: 120_000_000_000))
        #expect(
            String(decoding: try GoJSONEncoder().encode(check), as: UTF8.self)
                == #"{"storage_timeout":3600000000000,"running_timeout":300000000000,"initialized_timeout":120000000000}"#)
    }
}
