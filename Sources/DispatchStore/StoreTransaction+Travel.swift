import SchedulingCore

/// What a travel build needs of a stored day, without reading its matrix.
public struct TravelState: Sendable {
    public let service: RoutingService?
    public let fallback: Bool
    /// The day's source of legs when not an engine ("matrix day.csv"), for messages.
    public let source: String?
    /// Every place of the day (orders, technicians' homes and ends) and where each fetched one was.
    public let places: [(key: String, place: GeoPoint)]
    public let recorded: [(key: String, place: GeoPoint)]
}

extension StoreTransaction {
    /// The day's routing engine and places, or nil when the day is not stored.
    public func travelState(on day: LocalDate) throws -> TravelState? {
        guard
            let row = try connection.query(
                "SELECT travel_service, travel_fallback, travel_source FROM service_days WHERE day = ?",
                [.text(day.description)]
            ).first
        else { return nil }
        let service = try ScenarioReader.service(row, day: day)
        let places = RoadLegs.places(
            technicians: try reader.technicians(absentOn: day),
            orders: try reader.orders(on: day).map { ($0.order.id, $0.order.location) })
        return TravelState(
            service: service, fallback: try row.bool("travel_fallback"), source: try row.optionalText("travel_source"),
            places: places, recorded: try travelPlaces(on: day))
    }
    /// Where each place of the day's fetched legs was when they were fetched (`travel_places`).
    public func travelPlaces(on day: LocalDate) throws -> [(key: String, place: GeoPoint)] {
        try reader.travelPlaces(on: day).map { ($0.key, $0.place) }
    }

    /// Stores legs fetched from the day's routing engine (`source` names it) for the places
    /// `fresh` (new, or moved since their legs were fetched): each gets the next unused column
    /// number, its own row to every place kept, and a run of its column on each place of `kept`
    /// — `leg(from, to)` gives each leg, nil for no route. The legs and places of `forget` (keys
    /// that moved or left the day, and `fresh` ones fetched before) are removed first. Raises the
    /// day's revision when anything changed, so a plan computed on the old times is refused.
    /// Returns the legs written and the places removed.
    public func storeFetchedLegs(
        day: LocalDate, source: String, fresh: [(key: String, place: GeoPoint)], kept: Set<String>,
        forget: [String], leg: (String, String) -> RoadLegs.Leg?
    ) throws -> (written: Int, removed: Int) {
        let key = SQLValue.text(day.description)
        let gone = Array(Set(forget + fresh.map(\.key)))
        var removed = 0
        for chunk in stride(from: 0, to: gone.count, by: 200).map({ Array(gone[$0..<min($0 + 200, gone.count)]) }) {
            let list = chunk.map { _ in "?" }.joined(separator: ", ")
            let keys = chunk.map { SQLValue.text($0) }
            try connection.execute("DELETE FROM travel_rows WHERE day = ? AND from_key IN (\(list))", [key] + keys)
            removed += try connection.execute("DELETE FROM travel_places WHERE day = ? AND key IN (\(list))", [key] + keys)
        }
        // Column numbers are never reused: an old place's entries in other rows stay unread.
        let first = try connection.query("SELECT travel_next_idx FROM service_days WHERE day = ?", [key]).first?.int("travel_next_idx") ?? 0
        var byIndex: [Int: String] = [:]
        for place in try reader.travelPlaces(on: day) where kept.contains(place.key) { byIndex[place.index] = place.key }
        for (offset, place) in fresh.enumerated() { byIndex[first + offset] = place.key }
        let end = first + fresh.count
        var written = 0
        func run(from a: String, _ columns: Range<Int>) -> [ScenarioWriter.Column] {
            var seconds = ""
            var meters = ""
            seconds.reserveCapacity(columns.count * 5)
            meters.reserveCapacity(columns.count * 6)
            for index in columns {
                if index > columns.lowerBound {
                    seconds += ","
                    meters += ","
                }
                if let b = byIndex[index], b != a, let found = leg(a, b) {
                    seconds += String(found.seconds)
                    meters += found.meters.map(String.init) ?? "-1"
                    written += 1
                } else {
                    seconds += "-1"
                    meters += "-1"
                }
            }
            return [
                ScenarioWriter.Column("day", key), ScenarioWriter.Column("from_key", .text(a)),
                ScenarioWriter.Column("first_idx", .integer(columns.lowerBound)),
                ScenarioWriter.Column("seconds", .text(seconds)), ScenarioWriter.Column("meters", .text(meters)),
            ]
        }
        let writer = ScenarioWriter(connection)
        var rows = fresh.map { run(from: $0.key, 0..<end) }
        if !fresh.isEmpty { rows += kept.sorted().map { run(from: $0, first..<end) } }
        for start in stride(from: 0, to: rows.count, by: 20) {
            try writer.upsert("travel_rows", key: ["day", "from_key", "first_idx"], rows: Array(rows[start..<min(start + 20, rows.count)]))
        }
        try writer.upsert(
            "travel_places", key: ["day", "key"],
            rows: fresh.enumerated().map { offset, place in
                [
                    ScenarioWriter.Column("day", key), ScenarioWriter.Column("key", .text(place.key)),
                    ScenarioWriter.Column("idx", .integer(first + offset)),
                    ScenarioWriter.Column("latitude", .real(place.place.latitude)),
                    ScenarioWriter.Column("longitude", .real(place.place.longitude)),
                ]
            })
        try connection.execute(
            "UPDATE service_days SET travel_source = ?, travel_next_idx = ? WHERE day = ?", [.text(source), .integer(end), key])
        try ScenarioWriter(connection).newTravelStamp(day)
        if written + removed > 0 { try bumpRevision(day) }
        return (written, removed)
    }
}
