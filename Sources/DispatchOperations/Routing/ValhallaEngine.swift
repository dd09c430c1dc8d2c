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

    public init(url: String, costing: String, maxPairs: Int = 2500, limits: RoutingLimits = RoutingLimits()) {
        self.url = url
        self.costing = costing
        self.maxPairs = maxPairs
        http = RoutingHTTP(limits: limits)
    }

    public var name: String { RoutingService.valhalla(url: url, costing: costing).description }

    public func fits(sources: Int, destinations: Int) -> Bool { sources * destinations <= maxPairs }

    struct Place: Encodable {
        let lat: Double
        let lon: Double
    }

    struct Query: Encodable {
        let sources: [Place]
        let targets: [Place]
        let costing: String
        let verbose = true
        let units = "kilometers"
    }

    /// An error answer: `error_code` (a number) and `error`.
    struct Failure: Decodable {
        let code: Double?
        let error: String?

        enum CodingKeys: String, CodingKey {
            case code = "error_code"
            case error
        }
    }

    /// The verbose matrix: a row a source, a cell a target, `time` in seconds and `distance` in
    /// kilometres, null where no route was found.
    struct Matrix: Decodable {
        struct Cell: Decodable {
            let time: Double?
            let distance: Double?
        }
        let rows: [[Cell]]

        enum CodingKeys: String, CodingKey { case rows = "sources_to_targets" }
    }

    public func table(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> [[RoadLegs.Leg?]] {
        guard let endpoint = URL(string: "\(url)/sources_to_targets") else {
            throw RoutingError("Valhalla: cannot form a request URL from \(url)")
        }
        func places(_ points: [GeoPoint]) -> [Place] { points.map { Place(lat: $0.latitude, lon: $0.longitude) } }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONEncoder().encode(Query(sources: places(sources), targets: places(destinations), costing: costing))
        let (status, body) = try await http.exchange(request, engine: "Valhalla")
        if let failure = RoutingHTTP.decode(Failure.self, body), let code = failure.code {
            let message = failure.error.map { String($0.prefix(200)) } ?? "HTTP \(status)"
            // 150: "Exceeded max locations": the request is split further.
            let number = code.isFinite && abs(code) < 1e9 ? String(Int(code)) : String(code)
            throw RoutingError("Valhalla answered error \(number): \(message)", tooBig: code == 150)
        }
        guard status == 200, let matrix = RoutingHTTP.decode(Matrix.self, body) else {
            if status == 200, RoutingHTTP.decode([String: JSONValue].self, body) != nil {
                throw RoutingError("Valhalla answered a table of the wrong shape (\(RoutingHTTP.shapeError(Matrix.self, body)))")
            }
            throw RoutingError(
                "Valhalla answered HTTP \(status) without a sources_to_targets table of \(sources.count) rows"
                    + (RoutingHTTP.decode([String: JSONValue].self, body) == nil ? " (is travel.url a Valhalla server?)" : ""))
        }
        guard matrix.rows.count == sources.count else {
            throw RoutingError("Valhalla answered \(matrix.rows.count) rows, not \(sources.count)")
        }
        return try matrix.rows.enumerated().map { index, row in
            guard row.count == destinations.count else {
                throw RoutingError("Valhalla answered a row of the wrong length (row \(index), expected \(destinations.count))")
            }
            return try row.enumerated().map { column, cell in
                try RoadLegs.Leg.checked(
                    seconds: cell.time, meters: cell.distance.map { $0 * 1000 }, engine: "Valhalla", row: index, column: column)
            }
        }
    }
}
