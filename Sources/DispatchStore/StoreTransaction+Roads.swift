import SchedulingCore

/// How a tool that takes separate options (osm2pgrouting) reaches the database this connection
/// reached, as libpq resolved it. The password is for the tool's environment, never its command line.
public struct DatabaseEndpoint: Sendable {
    public let host: String
    public let port: String
    public let database: String
    public let user: String
    public let password: String?
    /// The schema the dispatch tables live in (`current_schema()`).
    public var schema: String

    public init(host: String, port: String, database: String, user: String, password: String?, schema: String) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.schema = schema
    }
}

/// What `roads import` loaded.
public struct RoadNetworkSummary: Sendable {
    /// Road segments and junctions kept (every junction reaches every other: the largest
    /// strongly connected part of the network, so no pair of snapped places is unreachable).
    public var edges: Int
    public var vertices: Int
    /// Junctions left out: in parts of the network a car cannot both reach and leave.
    public var verticesDropped: Int
    public var south: Double, west: Double, north: Double, east: Double

    public init(edges: Int, vertices: Int, verticesDropped: Int, south: Double, west: Double, north: Double, east: Double) {
        self.edges = edges
        self.vertices = vertices
        self.verticesDropped = verticesDropped
        self.south = south
        self.west = west
        self.north = north
        self.east = east
    }
}

/// The road network of `dispatch roads import` and the matrices pgRouting computes on it
/// (PostgreSQL with PostGIS and pgRouting only). Tables `road_ways` (segments with `cost_s` and
/// `reverse_cost_s`, seconds; negative: no way in that direction) and `road_vertices` (junctions
/// with their point) live beside the dispatch tables; the extensions live in `public`.
extension StoreTransaction {
    static let roadsOnlyOnPostgres =
        "the pgrouting travel model and `roads import` need a PostgreSQL database with PostGIS and pgRouting; "
        + "on SQLite use travel.model matrix, osrm or valhalla"

    private func requirePostgres() throws {
        guard dialect.backend == "postgresql" else { throw StoreError(.configuration, Self.roadsOnlyOnPostgres) }
    }

    /// The PostGIS and pgRouting functions, found whatever the connection's search path.
    private func withPublicPath() throws {
        try connection.execute("SELECT set_config('search_path', current_setting('search_path') || ', public', true)", [])
    }

    /// How osm2pgrouting reaches this database and schema; creates the extensions when missing
    /// (they need the server packages postgis and pgrouting) and an empty `staging` schema.
    public func prepareRoadImport(staging: String) throws -> DatabaseEndpoint {
        try requirePostgres()
        guard var endpoint = connection.endpoint else { throw StoreError(.configuration, Self.roadsOnlyOnPostgres) }
        endpoint.schema = try connection.query("SELECT current_schema() AS s", []).first?.text("s") ?? "public"
        for name in ["postgis", "pgrouting"] {
            let present = try connection.query("SELECT 1 AS x FROM pg_extension WHERE extname = ?", [.text(name)])
            if present.isEmpty {
                let available = try connection.query("SELECT 1 AS x FROM pg_available_extensions WHERE name = ?", [.text(name)])
                guard !available.isEmpty else {
                    throw StoreError(
                        .configuration,
                        "the PostgreSQL server lacks the \(name) extension: install the Debian package "
                            + (name == "postgis" ? "postgresql-15-postgis-3" : "postgresql-15-pgrouting")
                            + " (for your server's version) on it")
                }
                try connection.executeScript("CREATE EXTENSION IF NOT EXISTS \(name) SCHEMA public CASCADE")
            }
        }
        try connection.executeScript("DROP SCHEMA IF EXISTS \(staging) CASCADE; CREATE SCHEMA \(staging)")
        return endpoint
    }

    /// Replaces the network with the one osm2pgrouting loaded into `staging`, then drops
    /// `staging`: in the caller's transaction, so a failure leaves the previous network as it was.
    public func finishRoadImport(staging: String) throws -> RoadNetworkSummary {
        try requirePostgres()
        try withPublicPath()
        let edges = "SELECT gid AS id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM \(staging).ways"
        try connection.executeScript(
            """
            DROP TABLE IF EXISTS road_ways;
            DROP TABLE IF EXISTS road_vertices;
            CREATE TABLE road_vertices AS
                WITH parts AS (SELECT component, node FROM pgr_strongComponents('\(edges)')),
                     biggest AS (SELECT component FROM parts GROUP BY component ORDER BY count(*) DESC, component LIMIT 1)
                SELECT v.id, v.the_geom AS geom
                FROM \(staging).ways_vertices_pgr v JOIN parts p ON p.node = v.id JOIN biggest b ON b.component = p.component;
            ALTER TABLE road_vertices ADD PRIMARY KEY (id);
            CREATE INDEX road_vertices_geom ON road_vertices USING gist (geom);
            CREATE TABLE road_ways AS
                SELECT w.gid AS id, w.source, w.target, w.cost_s, w.reverse_cost_s, w.length_m
                FROM \(staging).ways w
                WHERE w.source IN (SELECT id FROM road_vertices) AND w.target IN (SELECT id FROM road_vertices);
            ALTER TABLE road_ways ADD PRIMARY KEY (id);
            """)
        guard
            let row = try connection.query(
                """
                SELECT (SELECT count(*) FROM road_ways) AS edges, (SELECT count(*) FROM road_vertices) AS vertices,
                       (SELECT count(*) FROM \(staging).ways_vertices_pgr) AS all_vertices,
                       ST_YMin(e) AS south, ST_XMin(e) AS west, ST_YMax(e) AS north, ST_XMax(e) AS east
                FROM (SELECT ST_Extent(geom) AS e FROM road_vertices) x
                """, []
            ).first
        else { throw StoreError(.database, "the imported network could not be counted") }
        let vertices = try row.int("vertices")
        guard vertices > 1 else {
            throw StoreError(
                .configuration,
                "the file holds no roads a car can drive (\(try row.int("all_vertices")) junctions, none connected both ways)")
        }
        try connection.executeScript("DROP SCHEMA \(staging) CASCADE")
        return RoadNetworkSummary(
            edges: try row.int("edges"), vertices: vertices, verticesDropped: try row.int("all_vertices") - vertices,
            south: try row.double("south"), west: try row.double("west"), north: try row.double("north"), east: try row.double("east"))
    }

    public func dropRoadStaging(_ staging: String) throws {
        try connection.executeScript("DROP SCHEMA IF EXISTS \(staging) CASCADE")
    }

    /// Each point's nearest junction of the network and how far it is (metres, on the sphere).
    public func snapToRoads(_ points: [GeoPoint]) throws -> [(vertex: Int, metres: Double)] {
        try requirePostgres()
        try withPublicPath()
        guard
            try !connection.query("SELECT 1 AS x FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'road_vertices'", [])
                .isEmpty
        else {
            throw StoreError(.configuration, "no road network is loaded: run dispatch roads import FILE.osm.pbf first")
        }
        let rows = try connection.query(
            """
            SELECT p.i, v.id, ST_Distance(v.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography) AS metres
            FROM unnest(CAST(? AS int[]), CAST(? AS float8[]), CAST(? AS float8[])) AS p(i, lon, lat)
            CROSS JOIN LATERAL (SELECT id, geom FROM road_vertices
                                ORDER BY geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) LIMIT 1) v
            ORDER BY p.i
            """,
            [
                .text(Self.array(points.indices.map { "\($0)" })), .text(Self.array(points.map { "\($0.longitude)" })),
                .text(Self.array(points.map { "\($0.latitude)" })),
            ])
        guard rows.count == points.count else { throw StoreError(.configuration, "the road network has no junctions to snap to") }
        return try rows.map { (try $0.int("id"), try $0.double("metres")) }
    }

    /// Quickest driving seconds between junctions on `cost_s`/`reverse_cost_s`: from each of
    /// `sources` to each of `destinations` (pgr_dijkstraCostMatrix when they are the same
    /// junctions, pgr_dijkstraCost otherwise). A pair it leaves out has no route.
    public func roadCosts(from sources: [Int], to destinations: [Int]) throws -> [Int: [Int: Double]] {
        try requirePostgres()
        try withPublicPath()
        let edges = "SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM road_ways"
        let rows: [SQLRow]
        if Set(sources) == Set(destinations) {
            rows = try connection.query(
                "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix(?, CAST(? AS bigint[]), directed => true)",
                [.text(edges), .text(Self.array(Set(sources).map { "\($0)" }))])
        } else {
            rows = try connection.query(
                "SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost(?, CAST(? AS bigint[]), CAST(? AS bigint[]), directed => true)",
                [.text(edges), .text(Self.array(Set(sources).map { "\($0)" })), .text(Self.array(Set(destinations).map { "\($0)" }))])
        }
        var costs: [Int: [Int: Double]] = [:]
        for row in rows { costs[try row.int("start_vid"), default: [:]][try row.int("end_vid")] = try row.double("agg_cost") }
        return costs
    }

    private static func array(_ items: [String]) -> String { "{" + items.joined(separator: ",") + "}" }
}
