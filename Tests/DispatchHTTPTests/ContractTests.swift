import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing
import Yams

/// The OpenAPI document against the running server, and the calendar feed against RFC 5545.
@Suite("API contract", .serialized)
struct ContractTests {
    nonisolated(unsafe) static let document: [String: Any] = {
        let url = DispatchRunner.packageRoot.appendingPathComponent("Sources/DispatchHTTP/openapi.yaml")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return ((try? Yams.load(yaml: text)) as? [String: Any]) ?? [:]
    }()

    @Test("Every route of openapi.yaml answers, with a documented status and a body matching its schema", arguments: Backend.all)
    func documentMatchesServer(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let paths = try #require(Self.document["paths"] as? [String: Any])
            #expect(paths.count == 16)
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let mine = try #require(((agenda.object["visits"] as? [[String: Any]]) ?? []).first?["order"] as? String)
            var checked = 0
            for (template, item) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, operation) in (item as? [String: Any] ?? [:]) {
                    let operation = operation as? [String: Any] ?? [:]
                    let security = (operation["security"] as? [[String: Any]])?.first?.keys.first
                    let role: APIHarness.Role =
                        security == nil
                        ? .none
                        : security == "feedToken"
                            ? .feed
                            : template.hasPrefix("/v1/technicians") || template.hasSuffix("/changes")
                                ? .dispatcher
                                : template.hasPrefix("/v1/orders")
                                    ? .client : template.hasPrefix("/v1/events") ? .eventsClient : .technician
                    var path = template.replacingOccurrences(of: "{id}", with: template.hasPrefix("/v1/technicians") ? APIHarness.me : mine)
                    let parameters = operation["parameters"] as? [[String: Any]] ?? []
                    if parameters.contains(where: { ($0["$ref"] as? String)?.hasSuffix("/date") == true }) { path += "?date=2026-11-23" }
                    // A body each POST takes: a desk change and an absence their own, the rest a status report.
                    let body =
                        method != "post"
                        ? nil
                        : template.hasSuffix("/changes")
                            ? Data(#"{"action": "unpin"}"#.utf8)
                            : template.hasSuffix("/absence") ? Data(#"{"date": "2026-11-24"}"#.utf8) : Data(#"{"state": "en_route"}"#.utf8)
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    // As the right role, and with no token at all (a documented problem, for the secured ones).
                    // A stream does not end by itself: only its refusal is checked here (DayStreamTests reads one).
                    let streams = ((responses["200"] as? [String: Any])?["content"] as? [String: Any])?["text/event-stream"] != nil
                    for asRole in security == nil ? [role] : streams ? [.none] : [role, .none] {
                        let reply = try await api.request(method.uppercased(), path, as: asRole, body: body)
                        let documented = try #require(
                            responses[String(reply.status)] as? [String: Any],
                            "\(method) \(path) as \(asRole) answered undocumented \(reply.status)")
                        try validate(reply, against: documented, "\(method) \(path) as \(asRole)")
                        checked += 1
                    }
                }
            }
            #expect(checked == 32)
        }
    }

    func validate(_ reply: APIHarness.Reply, against response: [String: Any], _ label: String) throws {
        var response = response
        if let ref = response["$ref"] as? String { response = try #require(resolve(ref)) }
        guard let content = response["content"] as? [String: Any] else {
            #expect(reply.body.isEmpty, "\(label): a body where none is documented")
            return
        }
        let type = try #require(reply.header("Content-Type")).split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
        let media = try #require(content[type] as? [String: Any], "\(label): content type \(type) is not documented")
        guard let schema = media["schema"] as? [String: Any] else { return }
        let value = try #require(reply.json, "\(label): the body is not JSON")
        let errors = SchemaCheck(document: Self.document).errors(value, schema, path: "$")
        #expect(errors.isEmpty, "\(label): \(errors)")
    }

    func resolve(_ ref: String) -> [String: Any]? {
        var node: Any? = Self.document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
        return node as? [String: Any]
    }

    @Test("The schema check itself refuses what it should")
    func schemaCheckRefuses() throws {
        let check = SchemaCheck(document: Self.document)
        let problem: [String: Any] = ["$ref": "#/components/schemas/Problem"]
        #expect(check.errors(["type": "t", "title": "t", "status": 400, "detail": "d", "instance": "/"], problem, path: "$").isEmpty)
        #expect(!check.errors(["type": "t", "title": "t", "status": "400", "detail": "d", "instance": "/"], problem, path: "$").isEmpty)
        #expect(!check.errors(["type": "t", "title": "t", "status": 400, "detail": "d"], problem, path: "$").isEmpty)
        let page: [String: Any] = ["$ref": "#/components/schemas/EventPage"]
        #expect(check.errors(["events": [Any](), "next": "1"], page, path: "$").isEmpty)
        #expect(!check.errors(["events": [Any](), "next": "1", "x": 1], page, path: "$").isEmpty)
    }

    @Test(
        "The calendar feed is strict RFC 5545: CRLF, folded at 75 octets, one event per order, moves raise SEQUENCE",
        arguments: Backend.all)
    func calendarFeed(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let long = String(repeating: "门禁密码 4711，狗很友好; ", count: 6)
            try api.database.connection.execute("UPDATE orders SET notes = ? WHERE id IN (SELECT order_id FROM plan_visits)", [.text(long)])
            let first = try await api.request("GET", "/v1/me/calendar.ics", as: .feed)
            #expect(first.status == 200 && first.header("Content-Type") == "text/calendar; charset=utf-8")
            let calendar = try ICalendarParser.parse(first.body)
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let orders = ((agenda.object["visits"] as? [[String: Any]]) ?? []).compactMap { $0["order"] as? String }
            #expect(Set(calendar.events.map { $0["UID"] ?? "" }) == Set(orders.map { "\($0)@fielddispatch" }))
            #expect(calendar.events.allSatisfy { $0["STATUS"] == "CONFIRMED" && $0["SEQUENCE"] == "0" })
            #expect(calendar.events.allSatisfy { ($0["DESCRIPTION"] ?? "").contains(ICalendarParser.escaped(long)) })
            #expect(calendar.foldedLines > 0)

            // Move one visit (a delay), take another away (rebooking): SEQUENCE up, STATUS:CANCELLED.
            let moved = try #require(orders.first)
            _ = try await api.operations.delay(order: moved, minutes: 10, actor: "T1")
            let second = try ICalendarParser.parse(try await api.request("GET", "/v1/me/calendar.ics", as: .feed).body)
            let movedEvent = try #require(second.events.first { $0["UID"] == "\(moved)@fielddispatch" })
            #expect(movedEvent["SEQUENCE"] == "1" && movedEvent["STATUS"] == "CONFIRMED")
            let gone = try #require(orders.last)
            _ = try await api.operations.setStatus(order: gone, to: .rebooking, reason: "customer asked", side: .customer, actor: "desk")
            let third = try ICalendarParser.parse(try await api.request("GET", "/v1/me/calendar.ics", as: .feed).body)
            let goneEvent = try #require(third.events.first { $0["UID"] == "\(gone)@fielddispatch" })
            #expect(goneEvent["STATUS"] == "CANCELLED" && Int(goneEvent["SEQUENCE"] ?? "") ?? 0 >= 1)
        }
    }
}
