import Foundation
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A routing engine asked for travel times: one request gives the legs from each of `sources`
/// to each of `destinations` (nil where it finds no route). `fits` says how big a request it takes;
/// `RoadMatrixFetcher` splits a day's matrix into requests that fit.
public protocol RoutingEngine: Sendable {
    /// "osrm http://router:5000 driving": the source named with each leg.
    var name: String { get }
    /// Whether one request may ask for `sources` × `destinations` legs.
    func fits(sources: Int, destinations: Int) -> Bool
    func table(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> [[RoadLegs.Leg?]]
}

/// What a routing engine answered instead of a matrix.
public struct RoutingError: Error, Sendable, CustomStringConvertible {
    /// The engine refused a request as too big (OSRM `TooBig`, Valhalla's location limit): the
    /// fetcher splits it further.
    public let tooBig: Bool
    public let message: String

    public init(_ message: String, tooBig: Bool = false) {
        self.message = message
        self.tooBig = tooBig
    }

    public var description: String { message }
}

/// The HTTP side the OSRM and Valhalla clients share: one session, a timeout, and what a failed
/// exchange means in words.
struct RoutingHTTP: Sendable {
    let session: URLSession

    init(timeoutSeconds: Double) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        session = URLSession(configuration: configuration)
    }

    /// The body and status of `request`; a network failure or a timeout is tried twice more
    /// (after 0.5 and 1 s), then is a `RoutingError` naming the host. An answer of any status is
    /// returned as it is (the engine's error codes are the caller's to explain).
    func exchange(_ request: URLRequest, engine: String) async throws -> (status: Int, json: Any?) {
        var delay = 0.5
        for attempt in 1...3 {
            do {
                let (data, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                return (status, try? JSONSerialization.jsonObject(with: data))
            } catch {
                if attempt == 3 {
                    throw RoutingError("cannot reach \(engine) at \(request.url?.host ?? "?") (3 tries): \(error.localizedDescription)")
                }
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                delay *= 2
            }
        }
        throw RoutingError("cannot reach \(engine)")
    }
}

extension RoadLegs.Leg {
    /// A leg from an engine's seconds and metres (seconds missing or null: unreachable).
    static func fetched(seconds: Any?, meters: Double?) -> RoadLegs.Leg? {
        guard let seconds = number(seconds), seconds.isFinite, seconds >= 0 else { return nil }
        let metres = meters.flatMap { $0.isFinite && $0 >= 0 ? Int($0.rounded()) : nil }
        return RoadLegs.Leg(seconds: Int(seconds.rounded(.up)), meters: metres)
    }
}

/// A JSON number as a Double (nil for null and anything else).
func number(_ value: Any?) -> Double? {
    switch value {
    case let value as Double: value
    case let value as Int: Double(value)
    case let value as NSNumber: value.doubleValue
    default: nil
    }
}
