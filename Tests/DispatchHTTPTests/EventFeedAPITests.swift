import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// Events out (`GET /v1/events`) and requests made once (`Idempotency-Key`), issue 27.
@Suite("Event feed and idempotency keys", .serialized)
struct EventFeedAPITests {
    static let day = LocalDate(iso: "2026-11-23")!

    /// Every event of the feed, read page by page from its start as `role`.
    static func readAll(_ api: APIHarness, pageSize: Int = 7) async throws -> [[String: Any]] {
        var events: [[String: Any]] = []
        var cursor: String?
        while true {
            let path = "/v1/events?limit=\(pageSize)" + (cursor.map { "&after=\($0)" } ?? "")
            let reply = try await api.request("GET", path, as: .eventsClient)
            #expect(reply.status == 200, "\(reply.text)")
            let page = try #require(reply.object["events"] as? [[String: Any]])
            let next = try #require(reply.object["next"] as? String)
            if page.isEmpty {
                #expect(cursor == nil || next == cursor)
                return events
            }
            events += page
            cursor = next
        }
    }

    @Test(
        "The feed holds every change in commit order, as CloudEvents; each order's history rebuilt from it is 'orders history' exactly",
        arguments: Backend.all)
    func rebuildsHistory(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let first = try #require((agenda.object["visits"] as? [[String: Any]])?.first?["order"] as? String)
            #expect(try await api.post("/v1/me/orders/\(first)/status", json: #"{"state": "en_route"}"#).status == 200)
            let candidates: [StoredOrder] = try await api.database.store.orders(on: Self.day).orders
            let other = try #require(candidates.first { $0.order.id != first && $0.order.group == nil && $0.state == .scheduled }?.order.id)
            #expect(try await api.request("DELETE", "/v1/orders/\(other)?reason=moved%20away", as: .client).status == 200)

            let events = try await Self.readAll(api)
            // Envelopes: CloudEvents 1.0, numbered 1, 2, 3, … in feed order.
            for (index, event) in events.enumerated() {
                #expect(event["specversion"] as? String == "1.0" && event["source"] as? String == "urn:fielddispatch")
                #expect(event["sequence"] as? String == String(index + 1))
                #expect((event["id"] as? String)?.count == 36 && (event["time"] as? String)?.hasSuffix("Z") == true)
            }
            #expect(Set(events.compactMap { $0["id"] as? String }).count == events.count)
            let types = events.compactMap { $0["type"] as? String }
            let stored = try await api.database.store.orders(on: Self.day).orders
            #expect(types.filter { $0 == "fielddispatch.order.created" }.count == stored.count)
            #expect(types.contains("fielddispatch.plan.published") && types.contains("fielddispatch.order.cancelled"))
            #expect(types.contains("fielddispatch.order.en_route"))
            // Rebuilt from the feed alone: each order's changes, and the state it is in.
            var history: [String: [Any]] = [:]
            var state: [String: String] = [:]
            for event in events {
                guard let data = event["data"] as? [String: Any], let order = data["order"] as? String else { continue }
                #expect(event["subject"] as? String == order)
                if let change = data["change"] { history[order, default: []].append(change) }
                if let now = data["state"] as? String { state[order] = now }
            }
            #expect(history[first]?.isEmpty == false && history[other]?.isEmpty == false)
            for order in stored {
                let view = try await api.operations.orderView(order.order.id)
                let expected = try JSONSerialization.jsonObject(
                    with: Data(JSONValue.array(view.history.map { $0.json(in: view.zone) }).text().utf8))
                #expect((history[order.order.id] ?? []) as NSArray == expected as? NSArray, "history of \(order.order.id)")
                #expect(state[order.order.id] == view.order.state.rawValue, "state of \(order.order.id)")
            }
        }
    }

    @Test("A cursor older than the events kept is 410; the feed read again from its start goes on", arguments: Backend.all)
    func prunedCursor(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let before = try await Self.readAll(api)
            #expect(before.count > 3)
            api.clock.set("2026-12-02T07:00:00+08:00")
            #expect(try await api.operations.pruneEvents(keepDays: 7) == before.count)
            let gone = try await api.request("GET", "/v1/events?after=2", as: .eventsClient)
            #expect(gone.status == 410 && (gone.object["detail"] as? String)?.contains("from its start") == true)
            let fresh = try await api.request("GET", "/v1/events", as: .eventsClient)
            #expect((fresh.object["events"] as? [Any])?.isEmpty == true && fresh.object["next"] as? String == String(before.count))
            let order = try #require(try await api.database.store.orders(on: Self.day).orders.first?.order.id)
            #expect(try await api.request("DELETE", "/v1/orders/\(order)", as: .client).status == 200)
            let after = try await api.request("GET", "/v1/events?after=\(before.count)", as: .eventsClient)
            let sequences = (after.object["events"] as? [[String: Any]])?.compactMap { $0["sequence"] as? String }
            #expect(sequences?.first == String(before.count + 1))
            #expect(try await api.request("GET", "/v1/events?limit=0", as: .eventsClient).status == 422)
            #expect(try await api.request("GET", "/v1/events?after=x", as: .eventsClient).status == 400)
            #expect(try await api.request("GET", "/v1/events", as: .client).status == 403)
        }
    }

    @Test(
        "Idempotency-Key: a retry gets the first answer without running again; another request with the key 422; in flight 409",
        arguments: Backend.all)
    func idempotencyKeys(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let agenda = try await api.request("GET", "/v1/me/agenda?date=2026-11-23")
            let mine = try #require((agenda.object["visits"] as? [[String: Any]])?.first?["order"] as? String)
            let orders = try await api.database.store.orders(on: Self.day).orders.filter {
                $0.order.group == nil && $0.order.id != mine && $0.state == .scheduled
            }
            let (one, two) = (orders[0].order.id, orders[1].order.id)
            let key = ["Idempotency-Key": "7b0d7d1e-cancel-1"]
            let first = try await api.request("DELETE", "/v1/orders/\(one)?reason=duplicate", as: .client, headers: key)
            #expect(first.status == 200 && first.header("Idempotent-Replayed") == nil)
            let feed = try await Self.readAll(api).count
            let again = try await api.request("DELETE", "/v1/orders/\(one)?reason=duplicate", as: .client, headers: key)
            #expect(again.status == 200 && again.body == first.body && again.header("Idempotent-Replayed") == "true")
            // Not run again: no new event, the history unchanged.
            #expect(try await Self.readAll(api).count == feed)
            let reused = try await api.request("DELETE", "/v1/orders/\(two)?reason=duplicate", as: .client, headers: key)
            #expect(reused.status == 422 && reused.header("Content-Type") == "application/problem+json")
            #expect(try await api.operations.orderView(two).order.state == .scheduled)
            // The same key sent by another caller is that caller's own.
            let technician = try await api.request(
                "POST", "/v1/me/orders/\(mine)/status", body: Data(#"{"state":"en_route"}"#.utf8), headers: key)
            #expect(technician.status == 200 && technician.header("Idempotent-Replayed") == nil)
            // A refusal is an answer too: kept and given again.
            let badReason = try await api.request(
                "DELETE", "/v1/orders/\(two)?reason=%20", as: .client, headers: ["Idempotency-Key": "blank-reason"])
            #expect(badReason.status == 400)
            let badAgain = try await api.request(
                "DELETE", "/v1/orders/\(two)?reason=%20", as: .client, headers: ["Idempotency-Key": "blank-reason"])
            #expect(badAgain.status == 400 && badAgain.body == badReason.body && badAgain.header("Idempotent-Replayed") == "true")
            // While the first request with a key runs, a second one waits its turn: 409.
            let claim = try await api.operations.claimIdempotencyKey(
                client: "client:order-system", key: "slow", fingerprint: String(repeating: "0", count: 64))
            #expect(claim == .run)
            let running = try await api.request("DELETE", "/v1/orders/\(two)", as: .client, headers: ["Idempotency-Key": "slow"])
            #expect(running.status == 409 && running.object["type"] as? String == "urn:fielddispatch:problem:idempotency-in-flight")
            #expect(try await api.request("DELETE", "/v1/orders/\(two)", as: .client, headers: ["Idempotency-Key": ""]).status == 400)
        }
    }
}
