// swift-tools-version:6.2
import PackageDescription

// gongshi: 双公示 disclosure feeds. Layers (docs/architecture.md; scripts/check-purity checks the pure ones):
//   pure core  — WorkingDayCalendar, DisclosureCore (rules, decisions, and the ports: ledger, portal channel, record sink)
//   pure codecs — SourceDecoders (bytes → records), FeedEncoders (feed rows → bytes)
//   pure reports — DisclosureReports (the credit office's report: assembly from the ledger port, JSON, HTML)
//   edges      — CalendarData, PipelineConfig, BundledSchemas (data files), SQLiteLedger (the ledger port on SQLite),
//                PostgreSQLLedger (the same on a shared PostgreSQL server), PostgresSupport, FrontDatabase,
//                PortalAPI, PortalClients (libcurl; the API and SFTP channels), PortalSandbox (a test portal)
//   engine     — PipelineRunner: the data path, one folder per stage (Sources, Ingest, Spool, Schedule, Publish,
//                Upload, Withdraw, Run)
//   shell      — GongshiCLI (commands, option groups, output, exit codes), gongshi (main.swift only)
//   testing    — GongshiTesting (fixtures, child processes, the in-memory ledger, the recording channel)
let package = Package(
    name: "Gongshi",
    platforms: [.macOS(.v15)],  // Linux is the target; this only matters on developer Macs
    products: [
        .executable(name: "gongshi", targets: ["gongshi"]),
        .executable(name: "gongshi-bench", targets: ["gongshi-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // SHA-256 of feed payloads (batch ids, manifests).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // The publication ledger: SQLite (the system's libsqlite3, Debian libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The one HTTP server of the project (the portal sandbox, the clerks' console): Hummingbird,
        // on SwiftNIO; HTTP parsing is not our core. hummingbird-auth for bcrypt password hashes.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // Hummingbird's own HTTP types, named where the console sets a header of its own.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // multipart/form-data (the console's file upload), parsed as it streams in.
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // Logging: everything that is not the answer goes to standard error through swift-log.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Excel workbooks (xlsx feeds and sources) are zip archives: the container is not our core.
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // The 前置库 (front database) transport: PostgreSQL, the dialect of the 信创 databases
        // (KingbaseES …) provincial platforms run, through the maintained Swift client.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure core.
        .target(name: "WorkingDayCalendar"),
        .target(name: "DisclosureCore", dependencies: ["WorkingDayCalendar"]),
        .target(name: "SourceDecoders", dependencies: ["DisclosureCore", "CLibXML2"]),
        // Pure: feed files (CSV, XML, JSON Lines) from feed plans, byte for byte deterministic.
        .target(name: "FeedEncoders", dependencies: ["DisclosureCore"]),
        // Chunks handed from one thread to another, in order, a few at a time (the register read
        // alongside, the XML parsed ahead of its checks).
        .target(name: "HandOff"),
        // System library: libxml2 (Debian libxml2-dev), for streaming XML and XSD validation.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),

        // The declarative data shipped inside the binary (calendars, publication schemas, code
        // tables): the files in schemas/ are the source; a build plugin embeds them at build time.
        .executableTarget(name: "EmbedFilesTool"),
        .plugin(
            name: "EmbedSchemasPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedFilesTool"]
        ),
        .target(name: "BundledSchemas", plugins: ["EmbedSchemasPlugin"]),

        // Edge: calendar files (YAML) -> WorkingDayCalendar, with located issues.
        .target(
            name: "CalendarData",
            dependencies: [
                "WorkingDayCalendar", "BundledSchemas",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Edge: publication schemas and code tables (YAML, through Yams) -> DisclosureCore values.
        .target(
            name: "PipelineConfig",
            dependencies: [
                "DisclosureCore", "WorkingDayCalendar", "BundledSchemas",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Edge: Excel workbooks — the zip around xlsx feeds (SpreadsheetML made by FeedEncoders), and
        // workbook sources read from their zip.
        .target(
            name: "Workbooks",
            dependencies: [
                "FeedEncoders", "DisclosureCore", "SourceDecoders", "CZLibChecksum", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // Edge: zlib's CRC-32 (the system's), for the workbook parts ZIPFoundation inflates.
        .systemLibrary(name: "CZLibChecksum", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Edge: what the PostgreSQL edges share — an address (`postgresql://USER@HOST:PORT/DB`, never
        // a password), the client's settings for it, a server error as a message.
        .target(name: "PostgresSupport", dependencies: [.product(name: "PostgresNIO", package: "postgres-nio")]),

        // Edge: the 前置库 transport — a portal channel that writes batches into the front database's
        // tables on PostgreSQL, one transaction each, the commit recorded beside the rows.
        .target(
            name: "FrontDatabase",
            dependencies: [
                "DisclosureCore", "SourceDecoders", "PostgresSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Process-wide SQLite settings, made when the program is loaded (C: sqlite3_config is
        // variadic and must come before SQLite initializes): its memory statistics off.
        .target(name: "CSQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        // Edge: the publication ledger on SQLite through GRDB; the only place SQL exists.
        .target(
            name: "SQLiteLedger",
            dependencies: [
                "DisclosureCore", "HandOff", "CSQLiteSettings", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the bulk inserts' binding (BoundStatement); the library GRDB links.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Edge: the same ledger on a PostgreSQL server several machines share (the county's ledger).
        .target(
            name: "PostgreSQLLedger",
            dependencies: [
                "DisclosureCore", "PostgresSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The portal upload API as Swift values and its request signature (HMAC-SHA256).
        .target(name: "PortalAPI", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // System library: libcurl (Debian libcurl4-openssl-dev), for HTTPS and SFTP uploads.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Edge: the libcurl transport and the portal clients (API, SFTP drop).
        .target(name: "PortalClients", dependencies: ["CCurl", "PortalAPI", "DisclosureCore"]),
        // Edge: the portal sandbox, a real HTTP server implementing the API, with fault injection.
        .target(
            name: "PortalSandbox",
            dependencies: ["PortalAPI", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")]
        ),

        // Pure: the credit office's report (合规率 / 及时率 / 完整率, deadlines, withdrawals) as one
        // value, rendered as JSON and as a self-contained HTML page.
        .target(name: "DisclosureReports", dependencies: ["DisclosureCore", "WorkingDayCalendar"]),

        // The engine: the data path as a library, one folder per stage. It owns no SQL and no
        // socket: the ledger and the portals are ports of DisclosureCore, passed in.
        .target(
            name: "PipelineRunner",
            dependencies: [
                "WorkingDayCalendar", "CalendarData", "DisclosureCore", "SourceDecoders", "PipelineConfig", "FeedEncoders", "Workbooks",
                "DisclosureReports", "PortalAPI", "PortalClients", "FrontDatabase", "HandOff",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Shell.
        .target(
            name: "GongshiCLI",
            dependencies: [
                "WorkingDayCalendar", "CalendarData", "DisclosureCore", "SourceDecoders", "PipelineConfig",
                "DisclosureReports", "PipelineRunner",
                "SQLiteLedger", "PostgreSQLLedger", "PostgresSupport", "PortalAPI", "PortalClients", "PortalSandbox", "FrontDatabase",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The console (GongshiCLI/Console): the web pages on the project's one HTTP server.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "gongshi", dependencies: ["GongshiCLI"]),

        // The benchmark: a deterministic record generator, and timing of the real `gongshi` executable.
        .executableTarget(
            name: "gongshi-bench",
            dependencies: [
                "DisclosureCore", "GongshiTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Test support (fixture paths, running the built executable), then one test target per
        // library target; the CLI tests run the built `gongshi` as a user would.
        .target(name: "GongshiTesting", dependencies: ["DisclosureCore", "WorkingDayCalendar"]),
        .testTarget(name: "WorkingDayCalendarTests", dependencies: ["WorkingDayCalendar"]),
        .testTarget(
            name: "CalendarDataTests",
            dependencies: ["CalendarData", "WorkingDayCalendar", "BundledSchemas", "GongshiTesting"]
        ),
        .testTarget(name: "DisclosureCoreTests", dependencies: ["DisclosureCore", "WorkingDayCalendar", "GongshiTesting"]),
        .testTarget(name: "SourceDecodersTests", dependencies: ["SourceDecoders", "DisclosureCore", "GongshiTesting"]),
        .testTarget(
            name: "FeedEncodersTests",
            dependencies: ["FeedEncoders", "DisclosureCore", "PipelineConfig", "SourceDecoders", "WorkingDayCalendar", "GongshiTesting"]
        ),
        .testTarget(
            name: "PipelineConfigTests",
            dependencies: ["PipelineConfig", "DisclosureCore", "WorkingDayCalendar", "SourceDecoders", "GongshiTesting"]
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "SQLiteLedger", "PostgreSQLLedger", "PostgresSupport", "DisclosureCore", "GongshiTesting",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "DisclosureReportsTests", dependencies: ["DisclosureReports", "GongshiTesting"]),
        .testTarget(
            name: "PipelineRunnerTests",
            dependencies: [
                "PipelineRunner", "DisclosureCore", "PipelineConfig", "WorkingDayCalendar", "CalendarData", "GongshiTesting",
                "SQLiteLedger", "FeedEncoders", "Workbooks", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PortalAPITests", dependencies: ["PortalAPI", "PortalClients", "GongshiTesting"]),
        .testTarget(
            name: "GongshiCLITests",
            dependencies: [
                "gongshi", "gongshi-bench", "GongshiCLI", "PipelineRunner", "DisclosureCore", "WorkingDayCalendar", "SQLiteLedger", "PostgreSQLLedger",
                "PostgresSupport", "SourceDecoders", "GongshiTesting",
                "DisclosureReports",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)

// As in swift-log: one loop applies the language settings to every Swift target.
for target in package.targets where target.type != .system && target.type != .plugin && target.name != "CSQLiteSettings" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
