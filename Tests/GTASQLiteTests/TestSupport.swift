import Foundation
import GTA
import GTASQLite

/// A fresh directory under the temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("gta-sqlite-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// A database in a fresh temporary file, closed and removed after `body`.
func withDatabase<T>(
    _ configure: (inout SQLiteConfiguration) -> Void = { _ in },
    _ body: (SQLiteDatabase, String) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { directory in
        let path = directory.appendingPathComponent("test.db").path
        var configuration = SQLiteConfiguration(path: path)
        configure(&configuration)
        let db = try await SQLiteDatabase(configuration: configuration)
        do {
            let result = try await body(db, path)
            await db.close()
            return result
        } catch {
            await db.close()
            throw error
        }
    }
}

/// An error a test body throws on purpose.
struct Boom: Error, Equatable {}
