// swift-tools-version: 6.1
import PackageDescription

/// An example application of the PaddockClient library: service membership with a
/// session, an ephemeral node and a watch (Membership), a lock (Worker) and a leader election (Elector). Build it from this folder with `swift build`.
let package = Package(
    name: "PaddockExamples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Paddock", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "Membership",
            dependencies: [
                .product(name: "PaddockClient", package: "Paddock"),
                .product(name: "ZNodeTree", package: "Paddock"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                .product(name: "PaddockClient", package: "Paddock"),
                .product(name: "ZNodeTree", package: "Paddock"),
            ]
        ),
        .executableTarget(
            name: "Elector",
            dependencies: [.product(name: "PaddockClient", package: "Paddock")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
