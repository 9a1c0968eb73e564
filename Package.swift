// swift-tools-version: 6.1
import PackageDescription

// Layers, each using only those above it:
//   C shims (CLinearAlgebra, CPostgreSQL, CSQLite, CProcessSupervision)
//   AugurCore          domain model and spec parsing
//   AugurMath          matrices over BLAS/LAPACK, optimizers
//   AugurAlgorithms    designers (random, quasi-random, grid, GP) and stopping policies
//   AugurStorage       StudyStore: SQLite and PostgreSQL
//   AugurService       transport-free study logic
//   AugurRPC           gRPC API, server and client
//   AugurVizier        OSS Vizier's gRPC API over the same service (a front end beside AugurRPC, on its server)
//   AugurHTTP          the dashboard: a JSON HTTP API and HTML pages over the store (a read-only front end, Hummingbird 2)
//   AugurWorkers       trial runners and the run loop
//   augur              the executable
// AugurTraining (the training core) depends only on the BLAS shim.

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Augur",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AugurCore", targets: ["AugurCore"]),
        .library(name: "AugurTraining", targets: ["AugurTraining"]),
        .executable(name: "augur", targets: ["augur"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // The dashboard's HTTP server; swift-configuration support is not used, so its trait is off.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
    ],
    targets: [
        // MARK: C shims
        .systemLibrary(
            name: "CLinearAlgebra",
            providers: [.apt(["libopenblas-dev", "liblapack-dev"])]
        ),
        .systemLibrary(
            name: "CPostgreSQL",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The supervisor that keeps a trial's processes from outliving augur (fork, PR_SET_PDEATHSIG, exec).
        .target(name: "CProcessSupervision"),

        // MARK: Libraries
        .target(
            name: "AugurCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurMath",
            dependencies: ["CLinearAlgebra"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurAlgorithms",
            dependencies: ["AugurCore", "AugurMath"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurStorage",
            dependencies: [
                "AugurCore", "CSQLite", "CPostgreSQL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurTraining",
            dependencies: ["CLinearAlgebra"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurService",
            dependencies: [
                "AugurCore", "AugurAlgorithms", "AugurStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurRPC",
            dependencies: [
                "AugurCore", "AugurAlgorithms", "AugurStorage", "AugurService",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurVizier",
            dependencies: [
                "AugurCore", "AugurStorage", "AugurService", "AugurRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurHTTP",
            dependencies: [
                "AugurCore", "AugurStorage", "AugurService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Chart.js (vendored from Debian's libjs-chart.js, MIT, with its license), the pages' script and style sheet.
            resources: [.copy("Resources")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AugurWorkers",
            dependencies: [
                "AugurCore", "AugurAlgorithms", "AugurStorage", "AugurService", "AugurTraining", "CProcessSupervision",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Executable
        .executableTarget(
            name: "augur",
            dependencies: [
                "AugurCore", "AugurStorage", "AugurService", "AugurRPC", "AugurVizier", "AugurHTTP", "AugurWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Benchmarks
        .executableTarget(
            name: "DesignerBenchmark",
            dependencies: ["AugurAlgorithms"],
            path: "Benchmarks/DesignerBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "EarlyStoppingBenchmark",
            dependencies: ["AugurAlgorithms", "AugurCore"],
            path: "Benchmarks/EarlyStoppingBenchmark",
            swiftSettings: strictSettings
        ),
        // The classic test functions the optimizer benchmarks share.
        .target(
            name: "BenchmarkFunctions",
            path: "Benchmarks/BenchmarkFunctions",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TreeParzenCMABenchmark",
            dependencies: ["AugurAlgorithms", "AugurCore", "BenchmarkFunctions"],
            path: "Benchmarks/TreeParzenCMABenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ConditionalBenchmark",
            dependencies: ["AugurAlgorithms", "AugurCore"],
            path: "Benchmarks/ConditionalBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "GaussianProcessBenchmark",
            dependencies: ["AugurAlgorithms", "AugurMath", "AugurCore", "CLinearAlgebra", "BenchmarkFunctions"],
            path: "Benchmarks/GaussianProcessBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "MultiObjectiveBenchmark",
            dependencies: ["AugurAlgorithms", "AugurMath", "AugurCore", "AugurStorage", "AugurService"],
            path: "Benchmarks/MultiObjectiveBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["AugurStorage"],
            path: "Benchmarks/StoreBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PostgresStoreBenchmark",
            dependencies: ["AugurCore", "AugurStorage"],
            path: "Benchmarks/PostgresStoreBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ServiceBenchmark",
            dependencies: ["AugurCore", "AugurStorage", "AugurService", "AugurWorkers"],
            path: "Benchmarks/ServiceBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RPCBenchmark",
            dependencies: [
                "AugurRPC", "AugurService", "AugurStorage", "AugurAlgorithms", "AugurCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/RPCBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "DashboardBenchmark",
            dependencies: [
                "AugurHTTP", "AugurService", "AugurStorage", "AugurCore", "AugurTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/DashboardBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TrainingBenchmark",
            dependencies: ["AugurTraining", "CLinearAlgebra"],
            path: "Benchmarks/TrainingBenchmark",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PopulationBasedBenchmark",
            dependencies: ["AugurAlgorithms", "AugurCore", "AugurTraining"],
            path: "Benchmarks/PopulationBasedBenchmark",
            swiftSettings: strictSettings
        ),

        // MARK: Tests (mirroring Sources)
        .testTarget(
            name: "AugurCoreTests",
            dependencies: ["AugurCore"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "AugurMathTests", dependencies: ["AugurMath"], swiftSettings: strictSettings),
        .testTarget(name: "AugurAlgorithmsTests", dependencies: ["AugurAlgorithms", "AugurCore", "AugurMath"], swiftSettings: strictSettings),
        .testTarget(name: "BenchmarkFunctionsTests", dependencies: ["BenchmarkFunctions", "AugurCore"], swiftSettings: strictSettings),
        // Depends on PostgresStoreBenchmark so that the worker processes of the PostgreSQL concurrency test are built.
        .testTarget(
            name: "AugurStorageTests",
            dependencies: ["AugurCore", "AugurStorage", "AugurTestSupport", "PostgresStoreBenchmark"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AugurTrainingTests",
            dependencies: ["AugurTraining", "CLinearAlgebra"],
            swiftSettings: strictSettings
        ),
        // An in-memory StudyStore and a counting designer shared by the service and worker tests.
        .target(
            name: "AugurTestSupport",
            dependencies: ["AugurCore", "AugurAlgorithms", "AugurStorage"],
            path: "Tests/AugurTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AugurServiceTests",
            dependencies: ["AugurService", "AugurStorage", "AugurAlgorithms", "AugurCore", "AugurTestSupport"],
            swiftSettings: strictSettings
        ),
        // Starts real servers on loopback; the fault tests run the built `augur` binary (a dependency, so it is built).
        // Vizier/ holds the tests of Vizier's API (AugurVizier), which shares the server and its test helpers.
        .testTarget(
            name: "AugurRPCTests",
            dependencies: [
                "augur", "AugurRPC", "AugurVizier", "AugurService", "AugurStorage", "AugurAlgorithms", "AugurCore", "AugurTestSupport",
                "AugurWorkers",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Vizier/vizier_client_loop.py", "Vizier/vizier_conditional_loop.py"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AugurWorkersTests",
            dependencies: [
                "AugurWorkers", "AugurService", "AugurStorage", "AugurAlgorithms", "AugurCore", "AugurTestSupport", "AugurTraining",
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        // Starts the dashboard on loopback over SQLite and PostgreSQL; the browser tests drive Debian's chromium when it exists.
        .testTarget(
            name: "AugurHTTPTests",
            dependencies: [
                "AugurHTTP", "AugurService", "AugurStorage", "AugurCore", "AugurTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Runs the built `augur` binary end to end; depending on the executable target makes sure it is built.
        .testTarget(
            name: "AugurCLITests",
            dependencies: ["augur", "AugurStorage", "AugurCore"],
            swiftSettings: strictSettings
        ),
    ]
)
