import Foundation
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The OSRM `table` service: `GET {url}/table/v1/{profile}/{lon},{lat};…?sources=…&destinations=…
/// &annotations=duration,distance`. A request names at most `maxLocations` coordinates (the
/// server's `--max-table-size`, 100 by default); sources and destinations are listed apart, so a
/// block of s sources and d destinations takes s + d of them.
public struct OSRMEngine: RoutingEngine {
    public let url: String
    public let profile: String
    public let maxLocations: Int
    private let http: RoutingHTTP

    public init(url: String, profile: String, maxLocations: Int = 100, timeoutSeconds: Double = 60) {
        self.url = url
        self.profile = profile
        self.maxLocations = maxLocations
        http = RoutingHTTP(timeoutSeconds: timeoutSeconds)
    }

    public var name: String { RoutingService.osrm(url: url, profile: profile).description }

    public func fits(sources: Int, destinations: Int) -> Bool { sources + destinations <= maxLocations }

    public func table(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> [[RoadLegs.Leg?]] {
        let points = (sources + destinations).map { String(format: "%.6f,%.6f", $0.longitude, $0.latitude) }.joined(separator: ";")
        let sourceList = sources.indices.map(String.init).joined(separator: ";")
        let destinationList = destinations.indices.map { String(sources.count + $0) }.joined(separator: ";")
        guard
            let request = URL(
                string: "\(url)/table/v1/\(profile)/\(points)?sources=\(sourceList)&destinations=\(destinationList)"
                    + "&annotations=duration,distance")
        else { throw RoutingError("OSRM: cannot form a request URL from \(url)") }
        let (status, json) = try await http.exchange(URLRequest(url: request), engine: "OSRM")
        let object = json as? [String: Any]
        let code = object?["code"] as? String
        guard code == "Ok" else {
            let message = object?["message"] as? String ?? "HTTP \(status)"
            throw RoutingError("OSRM answered \(code ?? "HTTP \(status)"): \(message)\(Self.explanation(code))", tooBig: code == "TooBig")
        }
        guard let durations = object?["durations"] as? [Any], durations.count == sources.count else {
            throw RoutingError("OSRM answered Ok without a durations table of \(sources.count) rows")
        }
        let distances = object?["distances"] as? [Any]
        return try durations.enumerated().map { index, row in
            guard let cells = row as? [Any], cells.count == destinations.count else {
                throw RoutingError("OSRM answered a durations row of the wrong length (row \(index), expected \(destinations.count))")
            }
            let metres = (distances?[index] as? [Any]) ?? []
            return cells.enumerated().map { column, cell in
                RoadLegs.Leg.fetched(seconds: cell, meters: column < metres.count ? number(metres[column]) : nil)
            }
        }
    }

    /// What an OSRM error code means for the person running the build.
    static func explanation(_ code: String?) -> String {
        switch code {
        case "TooBig": " (more coordinates than the server's --max-table-size)"
        case "NoSegment": " (a place could not be snapped to a road: check its coordinates)"
        case "InvalidUrl", "InvalidQuery", "InvalidOptions": " (check travel.url and travel.profile)"
        case "InvalidValue": " (a coordinate is out of range)"
        case nil: " (is travel.url an OSRM server?)"
        default: ""
        }
    }
}
