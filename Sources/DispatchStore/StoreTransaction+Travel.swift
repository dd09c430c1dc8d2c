import SchedulingCore

extension StoreTransaction {
    /// Where each key of the day's fetched legs was when they were fetched (`travel_places`).
    public func travelPlaces(on day: LocalDate) throws -> [(key: String, place: GeoPoint)] {
        try reader.travelPlaces(on: day)
    }

    /// Stores legs fetched from the day's routing engine (`source` names it): `rows` replace any
    /// stored for the same pairs, `places` records where each fetched key was, and the legs of
    /// `forget` (keys that moved or left the day) are removed first. Raises the day's revision
    /// when anything changed, so a plan computed on the old times is refused. Returns the number
    /// of rows written and removed.
    public func storeFetchedLegs(day: LocalDate, source: String, rows: [RoadLegs.Row], places: [(key: String, place: GeoPoint)],
                                 forget: [String]) throws -> (written: Int, removed: Int) {
        let key = SQLValue.text(day.description)
        var removed = 0
        for chunk in stride(from: 0, to: forget.count, by: 200).map({ Array(forget[$0..<min($0 + 200, forget.count)]) }) {
            let list = chunk.map { _ in "?" }.joined(separator: ", ")
            let keys = chunk.map { SQLValue.text($0) }
            removed += try connection.execute("DELETE FROM travel_legs WHERE day = ? AND (from_key IN (\(list)) OR to_key IN (\(list)))",
                                              [key] + keys + keys)
            try connection.execute("DELETE FROM travel_places WHERE day = ? AND key IN (\(list))", [key] + keys)
        }
        let writer = ScenarioWriter(connection)
        let written = try writer.upsert("travel_legs", key: ["day", "from_key", "to_key"], rows: rows.map { row in
            [ScenarioWriter.Column("day", key), ScenarioWriter.Column("from_key", .text(row.from)), ScenarioWriter.Column("to_key", .text(row.to)),
             ScenarioWriter.Column("seconds", .integer(row.leg.seconds)), ScenarioWriter.Column("meters", row.leg.meters.map { .integer($0) } ?? .null)]
        })
        _ = try writer.upsert("travel_places", key: ["day", "key"], rows: places.map { place in
            [ScenarioWriter.Column("day", key), ScenarioWriter.Column("key", .text(place.key)),
             ScenarioWriter.Column("latitude", .real(place.place.latitude)), ScenarioWriter.Column("longitude", .real(place.place.longitude))]
        })
        try connection.execute("UPDATE service_days SET travel_source = ? WHERE day = ?", [.text(source), key])
        if written + removed > 0 { try bumpRevision(day) }
        return (written, removed)
    }
}
