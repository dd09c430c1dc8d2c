import Foundation
import SchedulingCore

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

/// How much a routing engine may send and how long it may take (docs/roads.md, "Limits").
/// An engine is a system outside ours: a slow, broken or hostile one must end the build with a
/// clear error, never hold the command or fill its memory.
public struct RoutingLimits: Sendable, Equatable {
    /// One request, from sending it to its last byte (a server that trickles its answer is cut
    /// off here, not only one that falls silent).
    public var requestSeconds: Double = 60
    /// The whole build of a day's matrix, every request and retry included.
    public var deadlineSeconds: Double = 600
    /// One answer's body, counted as it arrives and after decompression (a small gzip body that
    /// inflates to gigabytes is stopped at this size).
    public var maxResponseBytes = 64 << 20

    public init() {}

    /// The ranges each limit may take.
    public static let requestRange: ClosedRange<Double> = 1...3600
    public static let deadlineRange: ClosedRange<Double> = 1...86_400
    public static let maxResponseMBRange: ClosedRange<Int> = 1...4096

    /// The limits from `DISPATCH_ROUTING_TIMEOUT` (seconds a request), `DISPATCH_ROUTING_DEADLINE`
    /// (seconds a build) and `DISPATCH_ROUTING_MAX_MB` (MiB an answer), each when set; a value
    /// that is not a number in its range is refused naming the variable.
    public static func from(environment: [String: String]) throws -> RoutingLimits {
        var limits = RoutingLimits()
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let text = value("DISPATCH_ROUTING_TIMEOUT") {
            limits.requestSeconds = try checked(Double(text), requestRange, "DISPATCH_ROUTING_TIMEOUT", text, unit: "seconds")
        }
        if let text = value("DISPATCH_ROUTING_DEADLINE") {
            limits.deadlineSeconds = try checked(Double(text), deadlineRange, "DISPATCH_ROUTING_DEADLINE", text, unit: "seconds")
        }
        if let text = value("DISPATCH_ROUTING_MAX_MB") {
            let range = Double(maxResponseMBRange.lowerBound)...Double(maxResponseMBRange.upperBound)
            limits.maxResponseBytes =
                Int(try checked(Int(text).map(Double.init), range, "DISPATCH_ROUTING_MAX_MB", text, unit: "MiB")) << 20
        }
        return limits
    }

    private static func checked(_ value: Double?, _ range: ClosedRange<Double>, _ name: String, _ text: String, unit: String) throws
        -> Double
    {
        guard let value, value.isFinite, range.contains(value) else {
            throw OperationError.badInput(
                "\(name) '\(text.prefix(40))' is not a number of \(unit) from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
        }
        return value
    }

    /// Runs `body`, cancelling it when `seconds` pass first; then throws `RoutingError` saying
    /// what did not finish in time (`what`: "the matrix from osrm http://…").
    static func within<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await Deadline.first(seconds, body)
        } catch is Deadline.Passed {
            throw RoutingError("\(what) did not come within \(Self.seconds(seconds)) (the limit; see docs/roads.md, \"Limits\")")
        }
    }

    static func seconds(_ value: Double) -> String { value == value.rounded() ? "\(Int(value)) s" : "\(value) s" }
}

extension RoadLegs.Leg {
    /// The longest leg an engine may answer: a week. Anything longer is no road time of a day's
    /// work; it is refused as a broken answer (an engine says "no route" with null).
    public static let maxSeconds = 7 * 86_400.0

    /// A leg from an engine's seconds and metres: nil seconds is no route; a number out of range
    /// (negative, not finite, beyond `maxSeconds` / `maxMetres`) is a `RoutingError` naming the cell.
    static func checked(seconds: Double?, meters: Double?, engine: String, row: Int, column: Int) throws -> RoadLegs.Leg? {
        guard let seconds else { return nil }
        guard seconds.isFinite, (0...maxSeconds).contains(seconds) else {
            throw RoutingError(
                "\(engine) answered a duration of \(seconds) s (row \(row), column \(column)): not a road time of 0 to "
                    + "\(Int(maxSeconds)) s")
        }
        if let meters, !(meters.isFinite && (0...maxMetres).contains(meters)) {
            throw RoutingError(
                "\(engine) answered a distance of \(meters) m (row \(row), column \(column)): not a road distance of 0 to "
                    + "\(Int(maxMetres)) m")
        }
        return RoadLegs.Leg(seconds: Int(seconds.rounded(.up)), meters: meters.map { Int($0.rounded()) })
    }
}
