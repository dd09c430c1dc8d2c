// The numbered SQL files beside this one, compiled into the binary (SwiftPM `embedInCode`),
// so `dispatch db migrate` needs no files at run time. SwiftPM names each accessor after the
// file name with a leading digit replaced by `_`: `0001_initial.sqlite.sql` is `_001_initial_sqlite_sql`.

/// One numbered schema change.
public struct SchemaMigration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}

public enum SchemaMigrations {
    /// Migrations for SQLite, in order.
    public static let sqlite: [SchemaMigration] = [
        SchemaMigration(version: 1, name: "initial", sql: text(PackageResources._001_initial_sqlite_sql)),
        SchemaMigration(version: 2, name: "plans", sql: text(PackageResources._002_plans_sqlite_sql)),
        SchemaMigration(version: 3, name: "operation", sql: text(PackageResources._003_operation_sqlite_sql)),
        SchemaMigration(version: 4, name: "api", sql: text(PackageResources._004_api_sqlite_sql)),
        SchemaMigration(version: 5, name: "nightly", sql: text(PackageResources._005_nightly_sqlite_sql)),
        SchemaMigration(version: 6, name: "nightly_units", sql: text(PackageResources._006_nightly_units_sqlite_sql)),
        SchemaMigration(version: 7, name: "consistency", sql: text(PackageResources._007_consistency_sqlite_sql)),
        SchemaMigration(version: 8, name: "travel", sql: text(PackageResources._008_travel_sqlite_sql)),
        SchemaMigration(version: 9, name: "road_matrix", sql: text(PackageResources._009_road_matrix_sqlite_sql)),
        SchemaMigration(version: 10, name: "routing_service", sql: text(PackageResources._010_routing_service_sqlite_sql)),
        SchemaMigration(version: 11, name: "roster", sql: text(PackageResources._011_roster_sqlite_sql)),
        SchemaMigration(version: 12, name: "notice_in_flight", sql: text(PackageResources._012_notice_in_flight_sqlite_sql)),
        SchemaMigration(version: 13, name: "travel_stamp", sql: text(PackageResources._013_travel_stamp_sqlite_sql)),
        SchemaMigration(version: 14, name: "clients", sql: text(PackageResources._014_clients_sqlite_sql)),
        SchemaMigration(version: 15, name: "event_feed", sql: text(PackageResources._015_event_feed_sqlite_sql)),
        SchemaMigration(version: 16, name: "calendar_offers", sql: text(PackageResources._016_calendar_offers_sqlite_sql)),
        SchemaMigration(version: 17, name: "webhooks", sql: text(PackageResources._017_webhooks_sqlite_sql)),
        SchemaMigration(version: 18, name: "signin_links", sql: text(PackageResources._018_signin_links_sqlite_sql)),
        SchemaMigration(version: 19, name: "events_by_day", sql: text(PackageResources._019_events_by_day_sqlite_sql)),
        SchemaMigration(version: 20, name: "in_house_cost", sql: text(PackageResources._020_in_house_cost_sqlite_sql)),
    ]

    /// Migrations for PostgreSQL, in order.
    public static let postgres: [SchemaMigration] = [
        SchemaMigration(version: 1, name: "initial", sql: text(PackageResources._001_initial_postgres_sql)),
        SchemaMigration(version: 2, name: "plans", sql: text(PackageResources._002_plans_postgres_sql)),
        SchemaMigration(version: 3, name: "operation", sql: text(PackageResources._003_operation_postgres_sql)),
        SchemaMigration(version: 4, name: "api", sql: text(PackageResources._004_api_postgres_sql)),
        SchemaMigration(version: 5, name: "nightly", sql: text(PackageResources._005_nightly_postgres_sql)),
        SchemaMigration(version: 6, name: "nightly_units", sql: text(PackageResources._006_nightly_units_postgres_sql)),
        SchemaMigration(version: 7, name: "consistency", sql: text(PackageResources._007_consistency_postgres_sql)),
        SchemaMigration(version: 8, name: "travel", sql: text(PackageResources._008_travel_postgres_sql)),
        SchemaMigration(version: 9, name: "road_matrix", sql: text(PackageResources._009_road_matrix_postgres_sql)),
        SchemaMigration(version: 10, name: "routing_service", sql: text(PackageResources._010_routing_service_postgres_sql)),
        SchemaMigration(version: 11, name: "roster", sql: text(PackageResources._011_roster_postgres_sql)),
        SchemaMigration(version: 12, name: "notice_in_flight", sql: text(PackageResources._012_notice_in_flight_postgres_sql)),
        SchemaMigration(version: 13, name: "travel_stamp", sql: text(PackageResources._013_travel_stamp_postgres_sql)),
        SchemaMigration(version: 14, name: "clients", sql: text(PackageResources._014_clients_postgres_sql)),
        SchemaMigration(version: 15, name: "event_feed", sql: text(PackageResources._015_event_feed_postgres_sql)),
        SchemaMigration(version: 16, name: "calendar_offers", sql: text(PackageResources._016_calendar_offers_postgres_sql)),
        SchemaMigration(version: 17, name: "webhooks", sql: text(PackageResources._017_webhooks_postgres_sql)),
        SchemaMigration(version: 18, name: "signin_links", sql: text(PackageResources._018_signin_links_postgres_sql)),
        SchemaMigration(version: 19, name: "events_by_day", sql: text(PackageResources._019_events_by_day_postgres_sql)),
        SchemaMigration(version: 20, name: "in_house_cost", sql: text(PackageResources._020_in_house_cost_postgres_sql)),
    ]

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}
