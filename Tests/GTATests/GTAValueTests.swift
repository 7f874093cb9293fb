import Foundation
import Testing

@testable import GTA

@Suite struct SQLValueTests {
    @Test func conversionsAreExactOrRefused() {
        #expect(UInt64(sqlValue: .int(-1)) == nil)
        #expect(Int64(sqlValue: .uint(UInt64.max)) == nil)
        #expect(Int32(sqlValue: .int(Int64(Int32.max) + 1)) == nil)
        #expect(UInt64(sqlValue: .uint(UInt64.max)) == UInt64.max)
        #expect(Bool(sqlValue: .int(1)) == true)
        #expect(String(sqlValue: .bytes(Array("é".utf8))) == "é")
        #expect([UInt8](sqlValue: .string("a")) == [97])
        #expect(Int?(sqlValue: .null) == .some(nil))
        #expect(Int(sqlValue: .null) == nil)
    }

    @Test func datesReadFromSQLText() {
        let date = Date(sqlValue: .string("2026-11-24 20:05:06"))
        #expect(date == Date(timeIntervalSince1970: 1_795_550_706))
        #expect(Date(sqlValue: .string("yesterday")) == nil)
    }

    @Test func rowsDecodeByColumnName() throws {
        struct User: Decodable, Equatable {
            var id: UInt64
            var name: String
            var nickname: String?
            var active: Bool
        }
        let row = GTARow(columns: GTAColumns(["id", "NAME", "nickname", "active"]), values: [.uint(7), "ada", .null, .int(1)])
        #expect(try row.decode(User.self) == User(id: 7, name: "ada", nickname: nil, active: true))
        #expect(throws: GTADecodingError.self) { try row.decode(Int.self, "missing") }
        #expect(throws: GTADecodingError.self) { try row.decode(Int.self, "name") }
    }

    @Test func goTimeNeverTrapsOnAnOddOffset() {
        #expect(GoTime(secondsSinceEpoch: 0, utcOffset: 90_000).utcOffset == 86_340)
        #expect(GoTime(secondsSinceEpoch: 0, utcOffset: 3_601).utcOffset == 3_600)
        #expect(GoTime(date: Date(timeIntervalSince1970: 0), offset: -100_000).utcOffset == -86_340)
    }
}
