import GTA
import GTAMariaDB
import Testing

@Suite struct SkipLockedChoiceTests {
    @Test(arguments: [
        ("10.11.19-MariaDB", true), ("10.6.0-MariaDB-log", true), ("11.4.2-MariaDB-ubu2404", true),
        ("10.5.25-MariaDB", false), ("10.3.39-MariaDB-0+deb10u1", false),
        ("5.5.5-10.11.6-MariaDB", true), ("5.5.5-10.4.1-MariaDB", false),
        ("8.0.36", true), ("8.0.1", true), ("8.0.0-dmr", false), ("8.4.0-log", true), ("9.1.0", true),
        ("8.0.36-28", true), ("5.7.44-log", false), ("5.6.51", false),
        ("8.0.11-TiDB-v7.5.0", false), ("8.0.30-Vitess", false), ("", false), ("unknown", false),
    ])
    func fromTheServerVersion(version: String, expected: Bool) {
        #expect(MariaDBDialect.serverHasSkipLocked(version: version) == expected, "\(version)")
    }

    @Test func urlItem() throws {
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db").skipLocked == .auto)
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db?skip-locked=off").skipLocked == .off)
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db?skip-locked=ON").skipLocked == .on)
        #expect(try MariaDBConfiguration(url: "mysql://u@h/db?skip-locked=auto").skipLocked == .auto)
        #expect(throws: MariaDBError.self) { try MariaDBConfiguration(url: "mysql://u@h/db?skip-locked=maybe") }
    }

    @Test func overrideWithoutAConnection() async {
        let off = MariaDBDatabase(configuration: MariaDBConfiguration(port: 1, user: "u", skipLocked: .off))
        #expect(off.dialect.lockForUpdateSkipLocked == nil)
        let on = MariaDBDatabase(configuration: MariaDBConfiguration(port: 1, user: "u", skipLocked: .on))
        #expect(on.dialect.lockForUpdateSkipLocked == "FOR UPDATE SKIP LOCKED")
        await off.shutdown()
        await on.shutdown()
    }

    @Test func learnedAtTheFirstConnection() async throws {
        let db = try testDatabase()
        let version = try await db.serverVersion()
        let expected = MariaDBDialect.serverHasSkipLocked(version: version)
        #expect((db.dialect.lockForUpdateSkipLocked != nil) == expected)
        let forced = try testDatabase { $0.skipLocked = .off }
        _ = try await forced.serverVersion()
        #expect(forced.dialect.lockForUpdateSkipLocked == nil)
        await db.shutdown()
        await forced.shutdown()
    }
}
