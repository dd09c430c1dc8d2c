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

    public init(url: String, profile: String, maxLocations: Int = 100, limits: RoutingLimits = RoutingLimits()) {
        self.url = url
        self.profile = profile
        self.maxLocations = maxLocations
        http = RoutingHTTP(limits: limits)
    }

    public var name: String { RoutingService.osrm(url: url, profile: profile).description }

    public func fits(sources: Int, destinations: Int) -> Bool { sources + destinations <= maxLocations }

    /// OSRM's answer: `code` always; the tables with `Ok` (a cell is seconds or metres, or null
    /// where no route was found).
    struct Answer: Decodable {
        let code: String?
        let message: String?
    }

    struct Table: Decodable {
        let durations: [[Double?]]
        let distances: [[Double?]]?
    }

    public func table(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> [[RoadLegs.Leg?]] {
        let points = (sources + destinations).map { String(format: "%.6f,%.6f", $0.longitude, $0.latitude) }.joined(separator: ";")
        let sourceList = sources.indices.map(String.init).joined(separator: ";")
        let destinationList = destinations.indices.map { String(sources.count + $0) }.joined(separator: ";")
        guard
            let request = URL(
                string: "\(url)/table/v1/\(profile)/\(points)?sources=\(sourceList)&destinations=\(destinationList)"
                    + "&annotations=duration,distance")
        else { throw RoutingError("OSRM: cannot form a request URL from \(url)") }
        let (status, body) = try await http.exchange(URLRequest(url: request), engine: "OSRM")
        let answer = RoutingHTTP.decode(Answer.self, body)
        let code = answer?.code
        guard code == "Ok" else {
            let message = answer?.message.map { String($0.prefix(200)) } ?? "HTTP \(status)"
            throw RoutingError(
                "OSRM answered \(code.map { String($0.prefix(40)) } ?? "HTTP \(status)"): \(message)\(Self.explanation(code))",
                tooBig: code == "TooBig")
        }
        guard let table = RoutingHTTP.decode(Table.self, body) else {
            throw RoutingError("OSRM answered Ok with a table of the wrong shape (\(RoutingHTTP.shapeError(Table.self, body)))")
        }
        guard table.durations.count == sources.count else {
            throw RoutingError("OSRM answered Ok with \(table.durations.count) durations rows, not \(sources.count)")
        }
        return try table.durations.enumerated().map { index, row in
            guard row.count == destinations.count else {
                throw RoutingError("OSRM answered a durations row of the wrong length (row \(index), expected \(destinations.count))")
            }
            let metres = table.distances.flatMap { index < $0.count ? $0[index] : nil } ?? []
            return try row.enumerated().map { column, seconds in
                try RoadLegs.Leg.checked(
                    seconds: seconds, meters: column < metres.count ? metres[column] : nil, engine: "OSRM", row: index, column: column)
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
