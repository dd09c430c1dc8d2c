// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "FieldDispatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dispatch", targets: ["DispatchCLI"]),
        .library(name: "SchedulingCore", targets: ["SchedulingCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Pure domain: model, policy, travel. No I/O.
        .target(name: "SchedulingCore"),

        // The scenario file format of CONTRACT.md section 1: YAML/JSON in, validated model out.
        .target(
            name: "ScenarioFormat",
            dependencies: ["SchedulingCore", .product(name: "Yams", package: "Yams")]
        ),

        // The independent checker of plans (H1–H9, unassigned codes); shares no code with the solver.
        .target(name: "PlanCheck", dependencies: ["SchedulingCore"]),

        // Public benchmarks' text formats (Solomon, Gehring–Homberger, Bredström–Rönnqvist) as
        // routing problems for `RouteSolver`: nothing a day's planning reads.
        .target(name: "BenchmarkFormats", dependencies: ["SchedulingCore"]),

        // Numbered SQL migrations per backend, compiled into the binary.
        .target(
            name: "DispatchSchema",
            path: "schema",
            exclude: ["README.md"],
            sources: ["Migrations.swift"],
            resources: [
                .embedInCode("sqlite/0001_initial.sqlite.sql"),
                .embedInCode("postgres/0001_initial.postgres.sql"),
                .embedInCode("sqlite/0002_plans.sqlite.sql"),
                .embedInCode("postgres/0002_plans.postgres.sql"),
                .embedInCode("sqlite/0003_operation.sqlite.sql"),
                .embedInCode("postgres/0003_operation.postgres.sql"),
                .embedInCode("sqlite/0004_api.sqlite.sql"),
                .embedInCode("postgres/0004_api.postgres.sql"),
                .embedInCode("sqlite/0005_nightly.sqlite.sql"),
                .embedInCode("postgres/0005_nightly.postgres.sql"),
                .embedInCode("sqlite/0006_nightly_units.sqlite.sql"),
                .embedInCode("postgres/0006_nightly_units.postgres.sql"),
                .embedInCode("sqlite/0007_consistency.sqlite.sql"),
                .embedInCode("postgres/0007_consistency.postgres.sql"),
                .embedInCode("sqlite/0008_travel.sqlite.sql"),
                .embedInCode("postgres/0008_travel.postgres.sql"),
                .embedInCode("sqlite/0009_road_matrix.sqlite.sql"),
                .embedInCode("postgres/0009_road_matrix.postgres.sql"),
                .embedInCode("sqlite/0010_routing_service.sqlite.sql"),
                .embedInCode("postgres/0010_routing_service.postgres.sql"),
                .embedInCode("sqlite/0011_roster.sqlite.sql"),
                .embedInCode("postgres/0011_roster.postgres.sql"),
                .embedInCode("sqlite/0012_notice_in_flight.sqlite.sql"),
                .embedInCode("postgres/0012_notice_in_flight.postgres.sql"),
                .embedInCode("sqlite/0013_travel_stamp.sqlite.sql"),
                .embedInCode("postgres/0013_travel_stamp.postgres.sql"),
                .embedInCode("sqlite/0014_clients.sqlite.sql"),
                .embedInCode("postgres/0014_clients.postgres.sql"),
                .embedInCode("sqlite/0015_event_feed.sqlite.sql"),
                .embedInCode("postgres/0015_event_feed.postgres.sql"),
                .embedInCode("sqlite/0016_calendar_offers.sqlite.sql"),
                .embedInCode("postgres/0016_calendar_offers.postgres.sql"),
                .embedInCode("sqlite/0017_webhooks.sqlite.sql"),
                .embedInCode("postgres/0017_webhooks.postgres.sql"),
                .embedInCode("sqlite/0018_signin_links.sqlite.sql"),
                .embedInCode("postgres/0018_signin_links.postgres.sql"),
                .embedInCode("sqlite/0019_events_by_day.sqlite.sql"),
                .embedInCode("postgres/0019_events_by_day.postgres.sql"),
                .embedInCode("sqlite/0020_in_house_cost.sqlite.sql"),
                .embedInCode("postgres/0020_in_house_cost.postgres.sql"),
            ]
        ),

        // Store protocol, the shared SQL implementation and database selection. No C.
        .target(name: "DispatchStore", dependencies: ["SchedulingCore", "DispatchSchema"]),

        // The application layer: each operation (book, publish, change a state, send notices,
        // record a callback) in one transaction. The CLI, the server and the nightly job call it.
        .target(
            name: "DispatchOperations",
            dependencies: [
                "SchedulingCore", "ScenarioFormat", "DispatchStore", "PlanCheck", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The technicians' HTTP API (Hummingbird): agenda, calendar feed, status reports. It only
        // translates between HTTP and the application layer.
        .target(
            name: "DispatchHTTP",
            dependencies: [
                "DispatchOperations", "DispatchStore", "SchedulingCore", "ScenarioFormat",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [
                .embedInCode("openapi.yaml"),
                // The technician's page (docs/browser.md): plain files, no build step, inside the binary.
                .embedInCode("web/technician.html"), .embedInCode("web/signin.html"), .embedInCode("web/app.js"),
                .embedInCode("web/signin.js"), .embedInCode("web/sw.js"), .embedInCode("web/app.css"),
                .embedInCode("web/manifest.webmanifest"), .embedInCode("web/icon.svg"),
                // The dispatcher's live board.
                .embedInCode("web/board.html"), .embedInCode("web/board.js"), .embedInCode("web/board.css"),
            ]
        ),

        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "DispatchStoreSQLite", dependencies: ["DispatchStore", "CSQLite"]),

        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "DispatchStorePostgres", dependencies: ["DispatchStore", "CLibPQ"]),

        // The `dispatch` command line: the only composition root. (A module named `dispatch`
        // would clash with libdispatch's `dispatch_main`, hence the target name.)
        .executableTarget(
            name: "DispatchCLI",
            dependencies: [
                "SchedulingCore", "ScenarioFormat", "PlanCheck", "DispatchStore", "DispatchOperations", "DispatchHTTP",
                "DispatchStoreSQLite", "DispatchStorePostgres", "BenchmarkFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "SchedulingCoreTests",
            dependencies: ["SchedulingCore", "ScenarioFormat", "PlanCheck", "BenchmarkFormats", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "ScenarioFormatTests", dependencies: ["ScenarioFormat", "SchedulingCore"]),
        // What several test targets share: fresh databases of each backend, the binary runner,
        // and a real HTTP receiver for notices.
        .target(
            name: "DispatchTestSupport",
            dependencies: [
                "DispatchStore", "DispatchStoreSQLite", "DispatchStorePostgres", "DispatchOperations", "SchedulingCore",
                "ScenarioFormat", "PlanCheck", .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "DispatchStoreTests",
            dependencies: [
                "DispatchStore", "DispatchStoreSQLite", "DispatchStorePostgres", "ScenarioFormat", "SchedulingCore", "DispatchTestSupport",
            ]
        ),
        .testTarget(
            name: "DispatchOperationsTests",
            dependencies: ["DispatchOperations", "DispatchStore", "ScenarioFormat", "SchedulingCore", "PlanCheck", "DispatchTestSupport"]
        ),
        .testTarget(
            name: "DispatchHTTPTests",
            dependencies: [
                "DispatchHTTP", "DispatchOperations", "DispatchStore", "SchedulingCore", "DispatchTestSupport",
                .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "DispatchCLITests", dependencies: ["DispatchCLI", "DispatchStore", "SchedulingCore", "DispatchTestSupport"]),
    ]
)
