import Foundation
import Testing

@testable import GTA

/// The free-standing entry points over the default manager (Go's package-level API).
@Suite(.serialized) struct DefaultManagerTests {
    @Test(arguments: Backend.allCases)
    func freeFunctionsDriveTheDefaultManager(_ backend: Backend) async throws {
        try await withTable(backend) { db, table in
            await GTA.stop(wait: true)
            try startWithOptions(db, table: table.name, fastOptions(RecordingLogger())[0], .withScanInterval(.milliseconds(200)),
                .withInstantScanInterval(.milliseconds(20)))
            #expect(throws: GTAError.unexpected) { try startWithOptions(db, table: table.name) }
            let seen = Recorder<Int>()
            try GTA.register("k", TaskDefinition(argumentType: Int.self) { _, n in seen.append(n) })
            try await GTA.run("k", 1)
            try await GTA.transaction { tx in try await GTA.runWithTx(tx, "k", 2) }
            try await db.transaction { tx in try await GTA.runWithTx(tx, "k", 3) }
            try await eventually("three tasks") { try await table.count(.succeeded) == 3 }
            #expect(Set(seen.all) == [1, 2, 3])
            #expect(try defaultManager().table.name == table.name)
            await GTA.stop(wait: true)
        }
    }
}
