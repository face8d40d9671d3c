// swift-tools-version: 6.1
import PackageDescription

/// Paddock: a replicated coordination service (znodes, watches, sessions) over HTTP/JSON.
///
/// Module map (see docs/architecture.md): the pure cores `RaftCore` and `ZNodeTree` know
/// nothing of I/O; `PaddockStorage` is the only code that touches SQLite and zlib;
/// `PaddockServer` is the NIO shell; `paddock` is the executable.
let package = Package(
    name: "Paddock",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "paddock", targets: ["paddock"]),
        .library(name: "RaftCore", targets: ["RaftCore"]),
        .library(name: "ZNodeTree", targets: ["ZNodeTree"]),
        .library(name: "PaddockAPI", targets: ["PaddockAPI"]),
        .library(name: "PaddockClient", targets: ["PaddockClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure cores: no I/O, no clock.
        .target(name: "RaftCore"),
        .target(
            name: "ZNodeTree",
            dependencies: [.product(name: "HashTreeCollections", package: "swift-collections")]
        ),
        // System libraries, reached only from PaddockStorage.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "PaddockStorage", dependencies: ["CSQLite", "CZlib", "RaftCore"]),
        // Wire types shared by server, client and command line.
        .target(name: "PaddockAPI", dependencies: ["ZNodeTree"]),
        .target(
            name: "PaddockServer",
            dependencies: [
                "ZNodeTree", "PaddockStorage", "PaddockAPI", "RaftCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(name: "PaddockSimulation", dependencies: ["RaftCore", "ZNodeTree"]),
        // The Swift client library used by applications and by the command line.
        .target(
            name: "PaddockClient",
            dependencies: [
                "PaddockAPI", "ZNodeTree", "RaftCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "paddock",
            dependencies: [
                "PaddockServer", "PaddockSimulation", "PaddockAPI", "PaddockClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers shared by the test targets.
        .target(name: "PaddockTestSupport", path: "Tests/PaddockTestSupport"),
        .testTarget(name: "RaftCoreTests", dependencies: ["RaftCore", "PaddockTestSupport"], exclude: ["testdata"]),
        .testTarget(name: "ZNodeTreeTests", dependencies: ["ZNodeTree"], exclude: ["testdata"]),
        .testTarget(name: "PaddockStorageTests", dependencies: ["PaddockStorage", "RaftCore"]),
        .testTarget(name: "PaddockAPITests", dependencies: ["PaddockAPI"]),
        .testTarget(
            name: "PaddockServerTests",
            dependencies: [
                "PaddockServer", "PaddockAPI", "ZNodeTree", "PaddockStorage", "RaftCore", "PaddockTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PaddockClientTests",
            dependencies: [
                "PaddockClient", "PaddockServer", "PaddockAPI", "PaddockStorage", "RaftCore", "ZNodeTree",
                "PaddockTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "PaddockSimulationTests", dependencies: ["PaddockSimulation", "RaftCore", "PaddockTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
