import Testing

@testable import ScenarioFormat

/// One malformed input and where the loader must point.
struct BadInputCase: CustomTestStringConvertible, Sendable {
    let label: String
    let yaml: String
    let line: Int
    let field: String
    let fragment: String

    var testDescription: String { label }
}

@Suite("Scenario loader: every bad input is named by file, line and field")
struct ScenarioLoaderRejectionTests {
    static let cases: [BadInputCase] = [
        BadInputCase(
            label: "unknown top-level key", yaml: Fixtures.minimal(top: "colour: blue"),
            line: 4, field: "colour", fragment: "unknown key 'colour'"),
        BadInputCase(
            label: "unknown order key", yaml: Fixtures.minimal(orderExtra: "    prority: 3"),
            line: 19, field: "orders[0].prority", fragment: "unknown key"),
        BadInputCase(
            label: "wrong type for a number", yaml: Fixtures.minimal(technicianExtra: "    absent: sometimes"),
            line: 11, field: "technicians[0].absent", fragment: "expected true or false"),
        BadInputCase(
            label: "quoted number is text", yaml: Fixtures.minimal(top: "policy: {notice_minutes: \"30\"}"),
            line: 4, field: "policy.notice_minutes", fragment: "expected a whole number"),
        BadInputCase(
            label: "currency not an ISO code", yaml: Fixtures.minimal(top: "policy: {currency: yuan}"),
            line: 4, field: "policy.currency", fragment: "three capital letters"),
        BadInputCase(
            label: "unknown time zone", yaml: Fixtures.minimal().replacingOccurrences(of: "Asia/Shanghai", with: "Asia/Atlantis"),
            line: 2, field: "timezone", fragment: "not an IANA time zone"),
        BadInputCase(
            label: "a zone that is no IANA name", yaml: Fixtures.minimal().replacingOccurrences(of: "Asia/Shanghai", with: "UTC+8"),
            line: 2, field: "timezone", fragment: "not an IANA time zone"),
        BadInputCase(
            label: "an id past 64 characters", yaml: Fixtures.minimal(orderExtra: "    group: \(String(repeating: "G", count: 65))"),
            line: 19, field: "orders[0].group", fragment: "at most 64 are accepted"),
        BadInputCase(
            label: "notes past 2,000 characters", yaml: Fixtures.minimal(orderExtra: "    notes: \(String(repeating: "n", count: 2001))"),
            line: 19, field: "orders[0].notes", fragment: "at most 2000 are accepted"),
        BadInputCase(
            label: "offset that contradicts the zone",
            yaml: Fixtures.minimal(orderExtra: "    window: {start: 2026-11-23T09:00:00+09:00, end: 2026-11-23T11:00:00+08:00}"),
            line: 19, field: "orders[0].window.start", fragment: "does not match time zone Asia/Shanghai"),
        BadInputCase(
            label: "date-time without offset",
            yaml: Fixtures.minimal(orderExtra: "    reported_at: 2026-11-22T18:00:00"),
            line: 19, field: "orders[0].reported_at", fragment: "with a UTC offset"),
        BadInputCase(
            label: "bad clock time", yaml: Fixtures.minimal().replacingOccurrences(of: "\"17:00\"", with: "\"17:75\""),
            line: 9, field: "technicians[0].shift.end", fragment: "HH:MM"),
        BadInputCase(
            label: "window ending before it starts",
            yaml: Fixtures.minimal(orderExtra: "    window: {start: 2026-11-23T11:00:00+08:00, end: 2026-11-23T09:00:00+08:00}"),
            line: 19, field: "orders[0].window.end", fragment: "ends before it starts"),
        BadInputCase(
            label: "unknown crew", yaml: Fixtures.minimal(technicianExtra: "    crew: ghost"),
            line: 11, field: "technicians[0].crew", fragment: "unknown crew 'ghost'"),
        BadInputCase(
            label: "unknown pinned technician", yaml: Fixtures.minimal(orderExtra: "    pinned: {technician: T9}"),
            line: 19, field: "orders[0].pinned.technician", fragment: "unknown technician 'T9'"),
        BadInputCase(
            label: "unknown enum value", yaml: Fixtures.minimal().replacingOccurrences(of: "type: install", with: "type: instal"),
            line: 14, field: "orders[0].type", fragment: "'instal' is not one of"),
        BadInputCase(
            label: "missing required field", yaml: Fixtures.minimal().replacingOccurrences(of: "    duration_minutes: 60\n", with: ""),
            line: 13, field: "orders[0].duration_minutes", fragment: "is required"),
        BadInputCase(
            label: "a day part ending before it starts",
            yaml: Fixtures.minimal(top: "travel: {day_parts: [{start: \"09:30\", end: \"07:00\", factor: 1.6}]}"),
            line: 4, field: "travel.day_parts[0].end", fragment: "not after its start"),
        BadInputCase(
            label: "day parts overlapping",
            yaml: Fixtures.minimal(
                top:
                    "travel:\n  day_parts:\n    - {start: \"07:00\", end: \"09:30\", factor: 1.6}\n    - {start: \"09:00\", end: "
                    + "\"10:00\", factor: 1.2}"
            ),
            line: 7, field: "travel.day_parts[1].start", fragment: "not overlapping"),
        BadInputCase(
            label: "a day part's factor out of range",
            yaml: Fixtures.minimal(top: "travel: {day_parts: [{start: \"07:00\", end: \"09:30\", factor: 0}]}"),
            line: 4, field: "travel.day_parts[0].factor", fragment: "0.1"),
        BadInputCase(
            label: "an engine without its url", yaml: Fixtures.minimal(top: "travel: {model: osrm}"),
            line: 4, field: "travel.url", fragment: "is required"),
        BadInputCase(
            label: "an engine url that is not http", yaml: Fixtures.minimal(top: "travel: {model: valhalla, url: \"ftp://x\"}"),
            line: 4, field: "travel.url", fragment: "not an http(s) URL"),
        BadInputCase(
            label: "a key of another engine", yaml: Fixtures.minimal(top: "travel: {model: osrm, url: \"http://r:5000\", costing: auto}"),
            line: 4, field: "travel.costing", fragment: "only with model: valhalla"),
        BadInputCase(
            label: "an unknown travel model", yaml: Fixtures.minimal(top: "travel: {model: graphhopper}"),
            line: 4, field: "travel.model", fragment: "known: haversine, matrix, osrm, valhalla, pgrouting"),
        BadInputCase(
            label: "not YAML at all", yaml: "name: [unclosed\ndate: 2026-11-23\n",
            line: 2, field: "", fragment: "not valid YAML"),
    ]

    @Test("A malformed input is rejected with its line and field", arguments: cases)
    func rejects(_ bad: BadInputCase) throws {
        let error = try #require(throws: ScenarioRejected.self) { try ScenarioLoader.parse(bad.yaml, file: "bad.yaml") }
        let problem = try #require(error.problems.first { $0.field == bad.field }, "no problem on \(bad.field): \(error)")
        #expect(problem.file == "bad.yaml")
        #expect(problem.line == bad.line, "\(problem)")
        #expect(problem.message.contains(bad.fragment), "\(problem)")
        #expect(problem.description.hasPrefix("bad.yaml:\(bad.line):"))
    }

    @Test("Duplicate ids are reported at the second one, naming the first")
    func duplicateIDs() throws {
        let yaml = Fixtures.minimal(
            orderExtra: """
                  - id: WO-1
                    type: repair
                    service: phone
                    customer: {id: C2, tier: basic}
                    location: {lat: 31.2, lon: 121.4}
                    duration_minutes: 30
                """)
        let error = try #require(throws: ScenarioRejected.self) { try ScenarioLoader.parse(yaml, file: "dup.yaml") }
        let problem = try #require(error.problems.first)
        #expect(problem.field == "orders[1].id")
        #expect(problem.line == 19)
        #expect(problem.message == "duplicate order id 'WO-1' (first at line 13)")
    }

    @Test("Members of one group at different addresses are refused")
    func groupAtTwoAddresses() throws {
        let yaml = Fixtures.minimal(
            orderExtra: """
                    group: G1
                  - id: WO-2
                    type: install
                    service: phone
                    customer: {id: C1, tier: gold}
                    location: {lat: 31.25, lon: 121.48}
                    duration_minutes: 30
                    group: G1
                """)
        let error = try #require(throws: ScenarioRejected.self) { try ScenarioLoader.parse(yaml, file: "g.yaml") }
        #expect(error.problems.count == 1)
        #expect(error.problems.first?.field == "orders[1].location")
        #expect(error.problems.first?.message.contains("group 'G1' members must be at one address") == true)
    }

    @Test("All problems of a file are reported together, in file order")
    func reportsAllProblems() throws {
        let yaml = Fixtures.minimal(
            orderExtra: "    pinned: {technician: T9}",
            top: "colour: blue",
            technicianExtra: "    crew: ghost")
        let error = try #require(throws: ScenarioRejected.self) { try ScenarioLoader.parse(yaml, file: "many.yaml") }
        #expect(error.problems.map(\.field) == ["colour", "technicians[0].crew", "orders[0].pinned.technician"])
        #expect(error.problems.map { $0.line ?? 0 } == error.problems.map { $0.line ?? 0 }.sorted())
    }

    @Test("An unreadable file is a problem naming the file, not a crash")
    func missingFile() throws {
        let error = try #require(throws: ScenarioRejected.self) { try ScenarioLoader.load(path: "/nonexistent/day.yaml") }
        #expect(error.description.hasPrefix("/nonexistent/day.yaml: cannot read the file"))
    }
}
