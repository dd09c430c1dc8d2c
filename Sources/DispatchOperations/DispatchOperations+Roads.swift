import DispatchStore
import Foundation
import SchedulingCore

/// The programs `roads import` runs (Debian packages osmium-tool and osm2pgrouting).
public struct RoadTools: Sendable {
    public var osmium: String
    public var osm2pgrouting: String
    /// osm2pgrouting's road classes and speeds: cars by default.
    public var configuration: String

    public init(
        osmium: String = "osmium", osm2pgrouting: String = "osm2pgrouting",
        configuration: String = "/usr/share/osm2pgrouting/mapconfig_for_cars.xml"
    ) {
        self.osmium = osmium
        self.osm2pgrouting = osm2pgrouting
        self.configuration = configuration
    }
}

extension DispatchOperations {
    /// Loads the road network of an OpenStreetMap extract (`.osm.pbf` or `.osm`) for the
    /// pgrouting travel model, all or nothing: osm2pgrouting writes into a scratch schema, and
    /// one transaction replaces the previous network with it (keeping the part of it a car can
    /// both reach and leave) and drops the scratch schema. A failure at any step leaves the
    /// previous network as it was.
    public func importRoads(
        file: String, tools: RoadTools = RoadTools(),
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> RoadNetworkSummary {
        guard FileManager.default.isReadableFile(atPath: file) else { throw OperationError.badInput("cannot read \(file)") }
        guard file.hasSuffix(".osm.pbf") || file.hasSuffix(".pbf") || file.hasSuffix(".osm") else {
            throw OperationError.badInput("\(file): expected an OpenStreetMap extract, FILE.osm.pbf or FILE.osm")
        }
        guard FileManager.default.isReadableFile(atPath: tools.configuration) else {
            throw OperationError.badInput(
                "cannot read the osm2pgrouting configuration \(tools.configuration) (Debian package osm2pgrouting)")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fielddispatch-roads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var xml = file
        if !file.hasSuffix(".osm") {
            progress("converting \(file) to OSM XML (osmium)")
            xml = scratch.appendingPathComponent("roads.osm").path
            try Self.runTool(tools.osmium, ["cat", file, "-o", xml, "-O"], package: "osmium-tool")
        }
        let staging = "roads_import_\(UUID().uuidString.prefix(8).lowercased())"
        let endpoint: DatabaseEndpoint
        do {
            endpoint = try await store.transaction { tx in try tx.prepareRoadImport(staging: staging) }
        } catch {
            throw OperationError.from(error)
        }
        do {
            progress("loading the network into a scratch schema (osm2pgrouting)")
            var environment = ProcessInfo.processInfo.environment
            if let password = endpoint.password { environment["PGPASSWORD"] = password }
            try Self.runTool(
                tools.osm2pgrouting,
                [
                    "-f", xml, "-c", tools.configuration, "-d", endpoint.database, "-U", endpoint.user, "-h", endpoint.host,
                    "-p", endpoint.port, "--schema", staging, "--clean",
                ], package: "osm2pgrouting", environment: environment)
            progress("replacing the road network")
            return try await store.transaction { tx in try tx.finishRoadImport(staging: staging) }
        } catch {
            try? await store.transaction { tx in try tx.dropRoadStaging(staging) }
            throw error is OperationError ? error : OperationError.from(error)
        }
    }

    /// The junctions of an OpenStreetMap extract's roads a car may use (what `generate --osm`
    /// places orders and homes on): the nodes of its highway ways, read with osmium.
    public static func roadJunctions(file: String, tools: RoadTools = RoadTools()) throws -> [GeoPoint] {
        guard FileManager.default.isReadableFile(atPath: file) else { throw OperationError.badInput("cannot read \(file)") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fielddispatch-osm-\(UUID().uuidString).osm.pbf")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let roads = "w/highway=motorway,trunk,primary,secondary,tertiary,unclassified,residential,living_street"
        try runTool(tools.osmium, ["tags-filter", file, roads, "-o", scratch.path, "-O"], package: "osmium-tool")
        let text = String(decoding: try runTool(tools.osmium, ["cat", scratch.path, "-f", "opl"], package: "osmium-tool"), as: UTF8.self)
        var seen = Set<GeoPoint>()
        var points: [GeoPoint] = []
        // OPL: one object a line, `n<id> v… x<lon> y<lat> …` for nodes.
        for line in text.split(separator: "\n") where line.hasPrefix("n") {
            var lon: Double?
            var lat: Double?
            for field in line.split(separator: " ") {
                if field.hasPrefix("x") { lon = Double(field.dropFirst()) }
                if field.hasPrefix("y") { lat = Double(field.dropFirst()) }
            }
            if let lon, let lat, seen.insert(GeoPoint(latitude: lat, longitude: lon)).inserted {
                points.append(GeoPoint(latitude: lat, longitude: lon))
            }
        }
        guard points.count >= 2 else { throw OperationError.badInput("\(file) holds no roads (no nodes of highway ways)") }
        return points
    }

    /// Runs a tool to its end and returns what it printed; a failure names it and quotes the end of that.
    @discardableResult
    static func runTool(_ tool: String, _ arguments: [String], package: String, environment: [String: String]? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw OperationError.badInput("cannot run \(tool): \(error.localizedDescription) (Debian package \(package))")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: data, as: UTF8.self)
            let tail = text.split(separator: "\n").suffix(4).joined(separator: " / ")
            if process.terminationStatus == 127 { throw OperationError.badInput("\(tool) is not installed (Debian package \(package))") }
            throw OperationError.badInput("\(tool) failed (exit \(process.terminationStatus)): \(tail)")
        }
        return data
    }
}
