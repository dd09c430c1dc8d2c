import Foundation
import Hummingbird
import NIOCore
import SchedulingCore

/// An OSRM and Valhalla stand-in: a real HTTP server on 127.0.0.1 answering `GET
/// /table/v1/{profile}/{coordinates}` and `POST /sources_to_targets` in their documented shapes,
/// with road times of its own (`seconds(from:to:)`: the great circle at `kmh`, plus a one-way
/// penalty going east, so the matrix is asymmetric), its own size limits (OSRM's
/// `TooBig`, Valhalla's error 150), `null` cells for places on an island, and `NoSegment` for a
/// place off every road. It records each request's size.
public final class RoutingServer: Sendable {
    public struct Limits: Sendable {
        /// OSRM's `--max-table-size`: coordinates a request may name.
        public var maxLocations = 100
        /// Valhalla's `max_matrix_location_pairs`.
        public var maxPairs = 2500
        public var kmh = 15.0
        /// Points north of this latitude are on an island no road reaches (their cells are null).
        public var islandLatitude = 90.0
        /// Points south of this latitude are off every road: OSRM answers NoSegment.
        public var nowhereLatitude = -90.0

        public init() {}
    }

    /// One request: which service, how many sources and destinations, what it answered, and
    /// what was asked (the body or path, to tell a transport retry from a new request).
    public struct Request: Sendable {
        public let service: String
        public let sources: Int
        public let destinations: Int
        public let status: Int
        public var asked = ""
    }

    final class Log: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var requests: [Request] = []

        func append(_ request: Request) { lock.withLock { requests.append(request) } }
        var all: [Request] { lock.withLock { requests } }
        func clear() { lock.withLock { requests.removeAll() } }
    }

    private let log = Log()
    private let task: Task<Void, any Error>
    public let port: Int
    public let limits: Limits

    public init(_ limits: Limits = Limits()) async throws {
        self.limits = limits
        let log = self.log
        let router = Router()
        router.get("/table/v1/:profile/:coordinates") { request, context -> Response in
            let text = context.parameters.get("coordinates") ?? ""
            let points = text.split(separator: ";").map { pair -> GeoPoint? in
                let parts = pair.split(separator: ",").compactMap { Double($0) }
                return parts.count == 2 ? GeoPoint(latitude: parts[1], longitude: parts[0]) : nil
            }
            func indices(_ name: String) -> [Int]? {
                request.uri.queryParameters.get(name).map { $0.split(separator: ";").compactMap { Int($0) } }
            }
            let sources = indices("sources") ?? Array(points.indices)
            let destinations = indices("destinations") ?? Array(points.indices)
            func answer(_ status: HTTPResponse.Status, _ object: [String: Any]) throws -> Response {
                log.append(
                    Request(
                        service: "osrm", sources: sources.count, destinations: destinations.count, status: status.code,
                        asked: request.uri.description))
                return try Self.json(status, object)
            }
            guard points.allSatisfy({ $0 != nil }), !points.isEmpty else {
                return try answer(.badRequest, ["code": "InvalidQuery", "message": "Query string malformed close to position 0"])
            }
            guard points.count <= limits.maxLocations else {
                return try answer(.badRequest, ["code": "TooBig", "message": "Too many table coordinates"])
            }
            if let off = points.firstIndex(where: { $0!.latitude < limits.nowhereLatitude }) {
                return try answer(.badRequest, ["code": "NoSegment", "message": "Could not find a matching segment for coordinate \(off)"])
            }
            var durations: [[Any]] = []
            var distances: [[Any]] = []
            for s in sources {
                durations.append(destinations.map { d in Self.seconds(points[s]!, points[d]!, limits).map { $0 as Any } ?? NSNull() })
                distances.append(destinations.map { d in Self.metres(points[s]!, points[d]!, limits).map { $0 as Any } ?? NSNull() })
            }
            return try answer(.ok, ["code": "Ok", "durations": durations, "distances": distances])
        }
        router.post("/sources_to_targets") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 24)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
            func places(_ name: String) -> [GeoPoint] {
                ((object[name] as? [[String: Any]]) ?? []).compactMap { place in
                    guard let lat = place["lat"] as? Double, let lon = place["lon"] as? Double else { return nil }
                    return GeoPoint(latitude: lat, longitude: lon)
                }
            }
            let sources = places("sources")
            let targets = places("targets")
            func answer(_ status: HTTPResponse.Status, _ body: [String: Any]) throws -> Response {
                log.append(
                    Request(
                        service: "valhalla", sources: sources.count, destinations: targets.count, status: status.code,
                        asked: String(buffer: buffer)))
                return try Self.json(status, body)
            }
            guard !sources.isEmpty, !targets.isEmpty else {
                return try answer(
                    .badRequest,
                    ["error_code": 120, "error": "Insufficient number of locations provided", "status_code": 400, "status": "Bad Request"])
            }
            guard sources.count * targets.count <= limits.maxPairs else {
                return try answer(
                    .badRequest,
                    ["error_code": 150, "error": "Exceeded max locations: \(limits.maxPairs)", "status_code": 400, "status": "Bad Request"])
            }
            let rows = sources.enumerated().map { i, a in
                targets.enumerated().map { j, b -> [String: Any] in
                    [
                        "from_index": i, "to_index": j,
                        "time": Self.seconds(a, b, limits).map { $0 as Any } ?? NSNull(),
                        "distance": Self.metres(a, b, limits).map { Double($0) / 1000 as Any } ?? NSNull(),
                    ]
                }
            }
            return try answer(.ok, ["sources_to_targets": rows, "units": "kilometers"])
        }
        (task, port) = try await NoticeReceiver.serve(router, what: "the routing server")
    }

    /// The server's road time: the great circle at `kmh`, plus 30 s going east; nil to or from an island.
    public static func seconds(_ a: GeoPoint, _ b: GeoPoint, _ limits: Limits) -> Double? {
        if a == b { return 0 }
        if (a.latitude > limits.islandLatitude) != (b.latitude > limits.islandLatitude) { return nil }
        return TravelModel.greatCircleKm(a, b) / limits.kmh * 3600 + (b.longitude > a.longitude ? 30 : 0) + 0.4
    }

    public static func metres(_ a: GeoPoint, _ b: GeoPoint, _ limits: Limits) -> Int? {
        seconds(a, b, limits) == nil ? nil : Int((TravelModel.greatCircleKm(a, b) * 1250).rounded())
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public var requests: [Request] { log.all }

    /// The requests without transport retries: a client whose connection dropped before the
    /// answer arrived (a loaded machine) sends the same request again at once, and the server
    /// sees it twice.
    public var distinctRequests: [Request] {
        var result: [Request] = []
        for request in log.all where result.last.map({ $0.service != request.service || $0.asked != request.asked }) ?? true {
            result.append(request)
        }
        return result
    }

    public func forgetRequests() { log.clear() }

    public func stop() { task.cancel() }
}
