import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import ScenarioFormat
import SchedulingCore
import Testing

/// Orders in from an order system (`PUT /v1/orders/{id}`, `POST /v1/orders:bulk`), issue 27.
@Suite("Orders in", .serialized)
struct OrderIntakeAPITests {
    static let day = LocalDate(iso: "2026-11-23")!

    /// A fixture order's object as the file format writes it, as another order `id` with `change` applied.
    static func body(_ id: String, _ change: (inout WorkOrder) -> Void = { _ in }, day: String? = nil) -> Data {
        var order = OperationFixtures.order(
            id, .install, .broadband, customer: "C-\(id.suffix(4))", lat: 31.2310, lon: 121.4720, minutes: 30,
            window: OperationFixtures.window("15:00", "17:00"))
        change(&order)
        var object = ScenarioJSON.order(order, zone: OperationFixtures.zone).object ?? [:]
        if let day { object["day"] = day.json }
        return Data(JSONValue.object(object).text().utf8)
    }

    static func feedCount(_ api: APIHarness) async throws -> Int {
        try await api.operations.events(after: nil, limit: 1_000).events.count
    }

    @Test(
        "PUT checks the body as the file loader does, creates the order and places it around the published plan at once",
        arguments: Backend.all)
    func createsAndPlaces(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            // Every field the loader refuses, named as the loader names it.
            let bad = try await api.request(
                "PUT", "/v1/orders/WO-X1", as: .client,
                body: Data(
                    #"{"id": "WO-X1", "type": "install", "service": "fibre", "customer": {"id": "C-1", "tier": "gold"}, "location": {"lat": 31.2, "lon": 121.4}, "duration_minutes": 30, "window": {"start": "2026-11-23T15:00:00+08:00", "end": "2026-11-23T14:00:00+08:00"}, "colour": "red"}"#
                        .utf8))
            #expect(bad.status == 422, "\(bad.text)")
            let fields = Set((bad.object["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["orders.service", "orders.window.end", "orders.colour"])
            #expect((bad.object["detail"] as? String)?.contains("orders.window.end: the window ends before it starts") == true)
            let noDay = try await api.request("PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1") { $0.window = nil })
            #expect(noDay.status == 422 && (noDay.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "orders.day")
            let otherID = try await api.request("PUT", "/v1/orders/WO-X2", as: .client, body: Self.body("WO-X1"))
            #expect(otherID.status == 422)
            #expect(try await api.database.store.orders(on: Self.day).orders.contains { $0.order.id.hasPrefix("WO-X") } == false)

            let before = try await api.operations.orders(on: Self.day)?.publishedVersion
            let events = try await Self.feedCount(api)
            let created = try await api.request("PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1"))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.header("Location") == "/v1/orders/WO-X1")
            let tag = try #require(created.header("ETag"))
            let placement = try #require(created.object["placement"] as? [String: Any])
            // Placed at once: a new version, the order visited in it, every rule of the day holding.
            #expect(placement["status"] as? String == "planned" && placement["plan_version"] as? Int == (before ?? 0) + 1)
            #expect((created.object["visit"] as? [String: Any])?["technician"] != nil)
            #expect(created.object["state"] as? String == "scheduled")
            #expect(try await OperationFixtures.hardRuleViolations(api.database).isEmpty)
            let types = try await api.operations.events(after: events, limit: 100).events.map(\.type)
            #expect(types.first == "fielddispatch.order.created" && types.contains("fielddispatch.plan.published"))

            // The same order again: nothing changes, the same tag, no event.
            let again = try await api.request("PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1"))
            #expect(again.status == 200 && again.header("ETag") == tag)
            #expect(try await Self.feedCount(api) == events + types.count)
            let read = try await api.request("GET", "/v1/orders/WO-X1", as: .client)
            #expect(read.header("ETag") == tag)

            // Preconditions: a stale copy is refused, the current one changes the order.
            let stale = try await api.request(
                "PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1") { $0.notes = "ring twice" },
                headers: ["If-Match": "\"0000\""])
            #expect(stale.status == 412)
            // If-Match compares strongly (RFC 9110 §13.1.1): the current tag marked weak is no match.
            let weak = try await api.request(
                "PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1") { $0.notes = "ring twice" },
                headers: ["If-Match": "\"0000\", W/\(tag)"])
            #expect(weak.status == 412)
            let current = try await api.request(
                "PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1") { $0.notes = "ring twice" }, headers: ["If-Match": tag])
            #expect(current.status == 200 && current.header("ETag") != tag)
            #expect(try await api.operations.orderView("WO-X1").order.order.notes == "ring twice")
            let exists = try await api.request(
                "PUT", "/v1/orders/WO-X1", as: .client, body: Self.body("WO-X1"), headers: ["If-None-Match": "*"])
            #expect(exists.status == 412)
            #expect(try await api.request("PUT", "/v1/orders/WO-X1", as: .eventsClient, body: Self.body("WO-X1")).status == 403)
        }
    }

    @Test(
        "What an update may change follows the order's state: a scheduled window is booked, not changed; a notified address stays; a closed order is closed",
        arguments: Backend.all)
    func stateRules(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let mine = try #require((agenda.object["visits"] as? [[String: Any]])?.first?["order"] as? String)
            let stored = try #require(try await api.database.store.orders(on: Self.day).orders.first { $0.order.id == mine })
            func body(_ change: (inout WorkOrder) -> Void) -> Data {
                var order = stored.order
                order.pin = nil
                order.lock = nil
                order.published = nil
                change(&order)
                return Data(ScenarioJSON.order(order, zone: OperationFixtures.zone).text().utf8)
            }
            #expect(stored.state == .scheduled)
            let moved = try await api.request(
                "PUT", "/v1/orders/\(mine)", as: .client, body: body { $0.window = OperationFixtures.window("16:00", "18:00") })
            #expect(moved.status == 409 && (moved.object["detail"] as? String)?.contains("slot-offers") == true, "\(moved.text)")
            let phone = try await api.request(
                "PUT", "/v1/orders/\(mine)", as: .client, body: body { $0.customer.phone = "+86 139 1111 2222" })
            #expect(phone.status == 200, "\(phone.text)")
            let version = try await api.operations.orders(on: Self.day)?.publishedVersion
            #expect((phone.object["placement"] as? [String: Any])?["plan_version"] is NSNull)
            // The technician is on the way: the customer knows; the address cannot change silently.
            #expect(try await api.post("/v1/me/orders/\(mine)/status", json: #"{"state": "en_route"}"#).status == 200)
            let address = try await api.request(
                "PUT", "/v1/orders/\(mine)", as: .client,
                body: body {
                    $0.customer.phone = "+86 139 1111 2222"
                    $0.location = GeoPoint(latitude: 31.26, longitude: 121.50)
                })
            #expect(address.status == 409, "\(address.text)")
            #expect((address.object["detail"] as? String)?.contains("told") == true)
            let notes = try await api.request(
                "PUT", "/v1/orders/\(mine)", as: .client,
                body: body {
                    $0.customer.phone = "+86 139 1111 2222"
                    $0.notes = "dog in the garden"
                })
            #expect(notes.status == 200)
            #expect(try await api.operations.orders(on: Self.day)?.publishedVersion == version)
            // Closed: nothing changes.
            let other = try #require(
                try await api.database.store.orders(on: Self.day).orders.first { $0.state == .scheduled && $0.order.group == nil }?.order.id
            )
            #expect(try await api.request("DELETE", "/v1/orders/\(other)", as: .client).status == 200)
            let closed = try #require(try await api.database.store.orders(on: Self.day).orders.first { $0.order.id == other })
            var reopened = closed.order
            reopened.notes = "again"
            reopened.published = nil
            let refused = try await api.request(
                "PUT", "/v1/orders/\(other)", as: .client,
                body: Data(ScenarioJSON.order(reopened, zone: OperationFixtures.zone).text().utf8))
            #expect(refused.status == 409 && (refused.object["detail"] as? String)?.contains("closed") == true)
        }
    }

    @Test("Bulk: each order stored or refused on its own, one plan version for the day; more than 1,000 is 413", arguments: Backend.all)
    func bulk(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let before = try #require(try await api.operations.orders(on: Self.day)?.publishedVersion)
            var items: [String] = []
            for index in 1...4 {
                items.append(String(decoding: Self.body("WO-BULK\(index)") { $0.durationMinutes = 20 }, as: UTF8.self))
            }
            items.insert(String(decoding: Self.body("WO-BAD") { $0.durationMinutes = 0 }, as: UTF8.self), at: 2)
            let reply = try await api.request(
                "POST", "/v1/orders:bulk", as: .client, body: Data(#"{"orders": [\#(items.joined(separator: ","))]}"#.utf8))
            #expect(reply.status == 200, "\(reply.text)")
            let results = try #require(reply.object["results"] as? [[String: Any]])
            #expect(results.map { $0["status"] as? Int } == [201, 201, 422, 201, 201])
            let problem = try #require(results[2]["problem"] as? [String: Any])
            #expect((problem["errors"] as? [[String: Any]])?.first?["field"] as? String == "orders[2].duration_minutes")
            let orders = try await api.database.store.orders(on: Self.day).orders
            #expect(orders.filter { $0.order.id.hasPrefix("WO-BULK") }.count == 4 && !orders.contains { $0.order.id == "WO-BAD" })
            // One placement for the batch: one new version, each answer showing its place in it.
            let after = try await api.operations.orders(on: Self.day)?.publishedVersion
            #expect(after == before + 1)
            for result in results where result["status"] as? Int == 201 {
                let placement = (result["order"] as? [String: Any])?["placement"] as? [String: Any]
                #expect(placement?["plan_version"] as? Int == before + 1)
                #expect(["planned", "unassigned"].contains(placement?["status"] as? String ?? ""))
            }
            #expect(try await OperationFixtures.hardRuleViolations(api.database).isEmpty)
            let many = Data((#"{"orders": ["# + Array(repeating: "{}", count: 1_001).joined(separator: ",") + "]}").utf8)
            #expect(try await api.request("POST", "/v1/orders:bulk", as: .client, body: many).status == 413)
            #expect(try await api.request("POST", "/v1/orders:bulk", as: .client, body: Data("[]".utf8)).status == 400)
        }
    }
}
