import CMariaDB

/// Process-wide Connector/C initialisation.
enum MariaDBLibrary {
    /// Calls `mysql_server_init(0, nil, nil)` once (Swift runs a global's initialiser exactly
    /// once, thread-safely). `mysql_library_init` is a C macro Swift cannot see.
    private static let initialized: Bool = {
        mysql_server_init(0, nil, nil) == 0
    }()

    static func ensureInitialized() throws {
        guard initialized else {
            throw MariaDBError(kind: .connect, message: "mysql_server_init failed: Connector/C could not initialise")
        }
    }
}
