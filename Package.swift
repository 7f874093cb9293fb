// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "swift-gta",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GTA", targets: ["GTA"]),
        .library(name: "GTAMariaDB", targets: ["GTAMariaDB"]),
        .library(name: "GTASQLite", targets: ["GTASQLite"]),
        .executable(name: "gta-demo", targets: ["GTADemo"]),
        .executable(name: "gta-bench", targets: ["GTABenchmark"]),
        .executable(name: "gta-chaos", targets: ["GTAChaos"]),
        // Operations: the admin queries, the `gta` command and the web dashboard. Separate
        // products: an application that links only GTA builds none of them (nor Hummingbird).
        .library(name: "GTAOperations", targets: ["GTAOperations"]),
        .library(name: "GTADashboard", targets: ["GTADashboard"]),
        .executable(name: "gta", targets: ["GTACommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-service-context.git", from: "1.5.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // Metrics and tracing (Docs/operations.md): two small API packages with no-op defaults;
        // an application picks the backend (Prometheus, OpenTelemetry, ...) by bootstrapping it.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Only the benchmark executable uses it; a user linking GTA alone never builds it.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Only the dashboard and the `gta` command use it.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Hummingbird's own dependencies, named for the types the dashboard's API shows
        // (HTTPField.Name, Channel).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        // The core: task manager, engine (creator, runner, scanner, monitor), built-in tasks and the database protocol.
        // It imports no C and no backend.
        .target(
            name: "GTA",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // What both backends are built from: the connection thread, the connection pool, the
        // statement cache and the transaction skeleton. Package-level only (no product); GTA does
        // not depend on it, so linking GTA alone never builds it.
        .target(
            name: "GTABackendKit",
            dependencies: [
                "GTA",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // MariaDB Connector/C, seen from Swift.
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        // The MySQL / MariaDB backend: connection, pool, database, dialect, errors.
        .target(
            name: "GTAMariaDB",
            dependencies: ["GTA", "GTABackendKit", "CMariaDB", .product(name: "Logging", package: "swift-log")]
        ),
        // SQLite 3, seen from Swift.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The embedded SQLite backend: configuration, connection, database, errors.
        .target(
            name: "GTASQLite",
            dependencies: ["GTA", "GTABackendKit", "CSQLite"]
        ),
        // The README's getting-started sample, compiled and run by CI.
        .executableTarget(
            name: "GettingStarted",
            dependencies: ["GTA", "GTASQLite"],
            path: "Examples/GettingStarted"
        ),
        // The demo: every way of creating and running a task, on SQLite or MariaDB (scripts/demo).
        .executableTarget(
            name: "GTADemo",
            dependencies: ["GTA", "GTASQLite", "GTAMariaDB"]
        ),
        // The benchmark (BENCHMARK.md): `scripts/bench` builds it in release mode and runs it.
        .executableTarget(
            name: "GTABenchmark",
            dependencies: [
                "GTA", "GTABackendKit", "GTAMariaDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The chaos test (`scripts/chaos`): workers, a producer, kills and server restarts, accounted.
        .executableTarget(
            name: "GTAChaos",
            dependencies: ["GTA", "GTAMariaDB"]
        ),
        // The admin queries the `gta` command and the dashboard share: stats, list, show, rerun, migrate.
        .target(name: "GTAOperations", dependencies: ["GTA"]),
        // The web dashboard (Hummingbird): routes an application mounts under a path of its own router.
        .target(
            name: "GTADashboard",
            dependencies: [
                "GTA", "GTAOperations",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // `gta`: migrate, stats, list, show, rerun, dashboard.
        .executableTarget(
            name: "GTACommand",
            dependencies: [
                "GTA", "GTAOperations", "GTADashboard", "GTAMariaDB", "GTASQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "GTATests",
            dependencies: ["GTA", .product(name: "InMemoryTracing", package: "swift-distributed-tracing")]
        ),
        .testTarget(name: "GTABackendKitTests", dependencies: ["GTABackendKit", "GTA"]),
        .testTarget(name: "GTAMariaDBTests", dependencies: ["GTAMariaDB", "GTA", "CMariaDB"]),
        .testTarget(name: "GTASQLiteTests", dependencies: ["GTASQLite", "GTA"]),
        // The benchmark's own logic that needs no server (the link order).
        .testTarget(name: "GTABenchmarkTests", dependencies: ["GTABenchmark"]),
        .testTarget(name: "GTAOperationsTests", dependencies: ["GTAOperations", "GTA", "GTAMariaDB", "GTASQLite"]),
        // The dashboard in-process, the `gta` binary as a user runs it, and both in headless Chromium.
        .testTarget(
            name: "GTAOperationsCommandTests",
            dependencies: [
                "GTACommand", "GTADashboard", "GTAOperations", "GTA", "GTAMariaDB", "GTASQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The behaviour suite: every rule of the task library, against every backend.
        .testTarget(
            name: "GTABehaviourTests",
            dependencies: [
                "GTA", "GTAMariaDB", "GTASQLite",
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)

// Strict settings for every Swift target, in one place.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.treatAllWarnings(as: .error))
    target.swiftSettings = settings
}
