import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import ScenarioFormat
import SchedulingCore
import Testing

/// The integration clients' API (issue 27): tokens with scopes, and the order as they read it.
@Suite("Integration clients' API", .serialized)
struct IntegrationAPITests {
    @Test("A client reads an order: its state, planned visit and history as 'orders history' prints it", arguments: Backend.all)
    func readsAnOrder(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let visit = try #require((agenda.object["visits"] as? [[String: Any]])?.first)
            let id = try #require(visit["order"] as? String)
            // A change to read back: the technician is on the way.
            #expect(try await api.post("/v1/me/orders/\(id)/status", json: #"{"state": "en_route"}"#).status == 200)
            let reply = try await api.request("GET", "/v1/orders/\(id)", as: .client)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.object["id"] as? String == id && reply.object["state"] as? String == "en_route")
            #expect(reply.object["day"] as? String == "2026-11-23")
            let planned = try #require(reply.object["visit"] as? [String: Any])
            let now = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let mine = try #require((now.object["visits"] as? [[String: Any]])?.first { $0["order"] as? String == id })
            #expect(planned["technician"] as? String == APIHarness.me && planned["start"] as? String == mine["planned_start"] as? String)
            // The history, byte for byte the objects `dispatch orders history --format json` prints.
            let view = try await api.operations.orderView(id)
            let expected = try JSONSerialization.jsonObject(
                with: Data(JSONValue.array(view.history.map { $0.json(in: view.zone) }).text().utf8))
            #expect((reply.object["history"] as? NSArray) == (expected as? NSArray))
            #expect((reply.object["history"] as? [[String: Any]])?.last?["to"] as? String == "en_route")
        }
    }

    @Test(
        "A token opens what its scopes name: 403 naming the scope missing, 401 once revoked, 404 for no such order", arguments: Backend.all)
    func scopes(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let refused = try await api.request("GET", "/v1/orders/WO-1001", as: .eventsClient)
            #expect(refused.status == 403 && refused.header("Content-Type") == "application/problem+json")
            let detail = try #require(refused.object["detail"] as? String)
            #expect(detail.contains("'care-feed'") && detail.contains("'orders:read'") && detail.contains("events:read"))
            let dispatcher = try await api.request("GET", "/v1/orders/WO-1001", as: .dispatcher)
            #expect(dispatcher.status == 403 && (dispatcher.object["detail"] as? String)?.contains("dispatch clients token") == true)
            let missing = try await api.request("GET", "/v1/orders/WO-404", as: .client)
            #expect(missing.status == 404)
            #expect(try await api.operations.revokeTokens(.client, for: "order-system") == 1)
            #expect(try await api.request("GET", "/v1/orders/WO-1001", as: .client).status == 401)
            // Listed with their scopes, never a secret.
            let listed = try await api.operations.clientTokens()
            #expect(listed.map(\.subject).sorted() == ["call-centre", "care-feed", "order-system"])
            #expect(listed.first { $0.subject == "order-system" }?.revokedAt != nil)
            #expect(listed.first { $0.subject == "care-feed" }?.scopes == [.eventsRead])
        }
    }

    @Test("A client token needs a name and a scope; scopes are stored and read back by name")
    func issuing() async throws {
        try await TestDatabase.with(.sqlite) { database in
            _ = try await database.store.migrate()
            let operations = DispatchOperations(store: database.store, clock: TestClock("2026-11-22T10:00:00+08:00"))
            await #expect(throws: OperationError.self) { try await operations.issueClientToken("order system", scopes: [.ordersRead]) }
            await #expect(throws: OperationError.self) { try await operations.issueClientToken("order-system", scopes: []) }
            await #expect(throws: OperationError.self) { try await operations.issueToken(.client, for: "order-system") }
            let token = try await operations.issueClientToken("call-centre", scopes: [.booking, .ordersRead])
            #expect(token.hasPrefix("fdc_"))
            let principal = try #require(try await operations.authenticate(token))
            #expect(principal.kind == .client && principal.subject == "call-centre" && principal.scopes == [.booking, .ordersRead])
            #expect(throws: StoreError.self) { try ClientScope.parse("orders:read bookings") }
            #expect(try ClientScope.parse("booking,orders:read") == [.booking, .ordersRead])
        }
    }
}
