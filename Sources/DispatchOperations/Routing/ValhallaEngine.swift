import Foundation
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Valhalla's matrix service: `POST {url}/sources_to_targets` with `{"sources": [{lat, lon}],
/// "targets": […], "costing": …}`; at most `maxPairs` source–target pairs a request (the
/// server's `max_matrix_location_pairs`, 2,500 by default). Distances come in kilometres.
public struct ValhallaEngine: RoutingEngine {
    public let url: String
    public let costing: String
    public let maxPairs: Int
    private let http: RoutingHTTP

    public init(url: String, costing: String, maxPairs: Int = 2500, timeoutSeconds: Double = 60) {
        self.url = url
        self.costing = costing
        self.maxPairs = maxPairs
        http = RoutingHTTP(timeoutSeconds: timeoutSeconds)
    }

    public var name: String { RoutingService.valhalla(url: url, costing: costing).description }

    public func fits(sources: Int, destinations: Int) -> Bool { sources * destinations <= maxPairs }

    public func table(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> [[RoadLegs.Leg?]] {
        guard let endpoint = URL(string: "\(url)/sources_to_targets") else {
            throw RoutingError("Valhalla: cannot form a request URL from \(url)")
        }
        func places(_ points: [GeoPoint]) -> [[String: Double]] { points.map { ["lat": $0.latitude, "lon": $0.longitude] } }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(
            withJSONObject: [
                "sources": places(sources), "targets": places(destinations), "costing": costing, "verbose": true, "units": "kilometers",
            ] as [String: Any])
        let (status, json) = try await http.exchange(request, engine: "Valhalla")
        let object = json as? [String: Any]
        if let code = number(object?["error_code"]).map(Int.init) {
            let message = object?["error"] as? String ?? "HTTP \(status)"
            // 150: "Exceeded max locations": the request is split further.
            throw RoutingError("Valhalla answered error \(code): \(message)", tooBig: code == 150)
        }
        guard status == 200, let rows = object?["sources_to_targets"] as? [Any], rows.count == sources.count else {
            throw RoutingError(
                "Valhalla answered HTTP \(status) without a sources_to_targets table of \(sources.count) rows"
                    + (object == nil ? " (is travel.url a Valhalla server?)" : ""))
        }
        return try rows.enumerated().map { index, row in
            guard let cells = row as? [Any], cells.count == destinations.count else {
                throw RoutingError("Valhalla answered a row of the wrong length (row \(index), expected \(destinations.count))")
            }
            return cells.map { cell in
                let cell = cell as? [String: Any]
                return RoadLegs.Leg.fetched(seconds: cell?["time"], meters: number(cell?["distance"]).map { $0 * 1000 })
            }
        }
    }
}
