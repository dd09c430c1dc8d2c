/// A routing engine the day's road matrix is fetched from (`travel.model` osrm, valhalla or
/// pgrouting, docs/formats.md "Travel"). The core only names it: fetching is I/O, done by the
/// application layer (`dispatch travel build`), and the legs it returns are kept with the day.
public enum RoutingService: Hashable, Sendable, CustomStringConvertible {
    /// The OSRM `table` service at `url` (`GET /table/v1/{profile}/…`).
    case osrm(url: String, profile: String)
    /// Valhalla's matrix service at `url` (`POST /sources_to_targets`).
    case valhalla(url: String, costing: String)
    /// pgRouting on the road network `dispatch roads import` loaded into the PostgreSQL database.
    case pgrouting

    /// The `travel.model` keyword.
    public var model: String {
        switch self {
        case .osrm: "osrm"
        case .valhalla: "valhalla"
        case .pgrouting: "pgrouting"
        }
    }

    /// "osrm http://router:5000 driving", the source named with each leg.
    public var description: String {
        switch self {
        case .osrm(let url, let profile): "osrm \(url) \(profile)"
        case .valhalla(let url, let costing): "valhalla \(url) \(costing)"
        case .pgrouting: "pgrouting"
        }
    }

    /// The stored form (`service_days.travel_service`): the words of `description`.
    public var stored: String { description }

    /// Reads `stored` back; nil for anything else.
    public init?(stored: String) {
        let words = stored.split(separator: " ").map(String.init)
        switch (words.first, words.count) {
        case ("osrm", 3): self = .osrm(url: words[1], profile: words[2])
        case ("valhalla", 3): self = .valhalla(url: words[1], costing: words[2])
        case ("pgrouting", 1): self = .pgrouting
        default: return nil
        }
    }
}
