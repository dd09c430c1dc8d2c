import DispatchTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Issue 27's acceptance: a client that knows only openapi.yaml and docs/integration.md (plain
/// HTTP and JSON, none of this package's code) against a real `dispatch serve`: 500 orders upserted
/// (a third sent twice with the same Idempotency-Key), 100 booked through slot offers by 20 agents
/// at once, 20 cancelled, and every order's state rebuilt from the event feed alone, matching
/// `dispatch orders history` exactly.
@Suite("An integration client from the documents alone", .serialized, .tags(.slow))
struct IntegrationClientTests {
    struct Client: Sendable {
        let base: String
        let token: String

        struct Reply: Sendable {
            let status: Int
            let body: Data
            let replayed: Bool
            var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        }

        func call(_ method: String, _ path: String, json: Any? = nil, key: String? = nil) async throws -> Reply {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            if let json {
                request.httpBody = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as? HTTPURLResponse
            return Reply(
                status: http?.statusCode ?? 0, body: data, replayed: http?.value(forHTTPHeaderField: "Idempotent-Replayed") == "true")
        }
    }

    /// A day of twelve technicians tomorrow (UTC), no orders: the order system brings them.
    static func roster(_ date: String) -> String {
        let technicians = (1...12).map { index in
            let lat = 60.15 + Double(index % 4) * 0.01
            let lon = 24.90 + Double(index / 4) * 0.015
            return """
                {"id": "T\(index)", "skills": ["broadband", "phone"], "certified_until": "2030-01-01",
                 "shift": {"start": "08:00", "end": "18:00"}, "start": {"lat": \(lat), "lon": \(lon)}}
                """
        }
        return """
            {"name": "integration", "timezone": "UTC", "date": "\(date)", "technicians": [\(technicians.joined(separator: ","))]}
            """
    }

    static func order(_ index: Int, day: String) -> [String: Any] {
        [
            "id": "ORD-\(index)", "type": index % 5 == 0 ? "repair" : "install", "service": index % 3 == 0 ? "phone" : "broadband",
            "customer": ["id": "CUST-\(index)", "tier": index % 7 == 0 ? "gold" : "basic", "phone": "+358 40 \(100_000 + index)"],
            "location": ["lat": 60.14 + Double(index % 17) * 0.003, "lon": 24.88 + Double(index % 13) * 0.005],
            "duration_minutes": 30 + (index % 3) * 15, "day": day, "notes": "order \(index)",
        ]
    }

    @Test("500 upserts, 100 bookings by 20 agents, 20 cancels, state rebuilt from the feed", arguments: Backend.all)
    func wholeFlow(_ backend: Backend) async throws {
        let runner = try DispatchRunner()
        defer { runner.remove() }
        try await TestDatabase.with(backend) { store in
            let database = ["--database", store.url]
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            formatter.timeZone = TimeZone(identifier: "UTC")
            let days = (1...2).map { formatter.string(from: Date().addingTimeInterval(Double($0) * 86_400)) }
            let scenario = try runner.write("roster.json", Self.roster(days[0]))
            try await #require(runner.run(["db", "migrate"] + database).status == 0)
            try await #require(runner.run(["import", scenario] + database).status == 0)
            func token(_ name: String, _ scope: String) async throws -> String {
                let issued = try await runner.run(["clients", "token", name, "--scope", scope] + database)
                try #require(issued.status == 0, "\(issued.stderr)")
                return issued.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let orderSystem = try await token("order-system", "orders:write")
            let callCentre = try await token("call-centre", "booking")
            let careFeed = try await token("care-feed", "events:read")
            let server = try runner.start(
                ["serve", "--port", "0", "--rate-limit", "5000", "--connections", "4"] + database, stderr: "serve.log")
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            let port = try await ServeCommandTests.port(in: runner.directory.appendingPathComponent("serve.log"))
            let base = "http://127.0.0.1:\(port)"

            // 1. Orders in: 500 upserts over 4 connections; every third sent again with its key.
            let writer = Client(base: base, token: orderSystem)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<4 {
                    group.addTask {
                        for index in stride(from: lane, to: 500, by: 4) {
                            let body = Self.order(index, day: days[index % 2])
                            let first = try await writer.call("PUT", "/v1/orders/ORD-\(index)", json: body, key: "put-\(index)")
                            #expect(first.status == 201, "ORD-\(index): \(first.status) \(String(decoding: first.body, as: UTF8.self))")
                            if index % 3 == 0 {
                                let again = try await writer.call("PUT", "/v1/orders/ORD-\(index)", json: body, key: "put-\(index)")
                                #expect(again.status == 201 && again.replayed && again.body == first.body)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }

            // 2. Booking: 20 agents at once, 5 orders each, taking an alternative when the room is taken.
            let agent = Client(base: base, token: callCentre)
            let taken = Counter()
            let results = try await withThrowingTaskGroup(of: [(String, String)].self) { group in
                for lane in 0..<20 {
                    group.addTask {
                        var mine: [(String, String)] = []
                        for index in stride(from: lane, to: 100, by: 20) {
                            let order = "ORD-\(index * 5)"
                            var offer = try await agent.call("POST", "/v1/orders/\(order)/slot-offers", json: ["days": 3]).object
                            for _ in 0..<8 {
                                guard let id = offer["offer"] as? String, let slot = (offer["slots"] as? [[String: Any]])?.first,
                                    let start = slot["start"] as? String
                                else { break }
                                let reply = try await agent.call(
                                    "POST", "/v1/orders/\(order)/booking", json: ["offer": id, "start": start])
                                if reply.status == 200 {
                                    mine.append((order, reply.object["day"] as? String ?? ""))
                                    break
                                }
                                #expect(
                                    reply.status == 409, "booking \(order): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
                                taken.add()
                                offer = reply.object["alternatives"] as? [String: Any] ?? [:]
                                #expect(!offer.isEmpty, "a 409 without alternatives")
                            }
                        }
                        return mine
                    }
                }
                var all: [(String, String)] = []
                for try await part in group { all += part }
                return all
            }
            let booked = results.map(\.0)
            let bookedDays = Set(results.map(\.1))
            #expect(booked.count == 100, "booked \(booked.count); \(taken.value) found their slot taken")
            print("integration client: \(taken.value) bookings found their slot taken and took an alternative")

            // 3. 20 cancelled: 10 booked, 10 never booked.
            let cancelled = Array(booked.prefix(10)) + (1...10).map { "ORD-\($0 * 5 + 1)" }
            for order in cancelled {
                let reply = try await writer.call("DELETE", "/v1/orders/\(order)?reason=customer%20withdrew", key: "cancel-\(order)")
                #expect(reply.status == 200 && reply.object["state"] as? String == "cancelled")
            }

            // No two visits in one technician's time, no promise broken: every day checks.
            #expect(!bookedDays.isEmpty)
            for day in bookedDays.sorted() {
                let check = try await runner.run(["check", "--date", day] + database)
                #expect(check.status == 0, "check \(day): \(check.stdout)\(check.stderr)")
            }

            // 4. The feed alone: each order's changes and state.
            let feed = Client(base: base, token: careFeed)
            var history: [String: [Any]] = [:]
            var state: [String: String] = [:]
            var cursor: String?
            var events = 0
            while true {
                let page = try await feed.call("GET", "/v1/events?limit=500" + (cursor.map { "&after=\($0)" } ?? "")).object
                let items = page["events"] as? [[String: Any]] ?? []
                if items.isEmpty { break }
                events += items.count
                for event in items {
                    guard let data = event["data"] as? [String: Any], let order = data["order"] as? String else { continue }
                    if let change = data["change"] { history[order, default: []].append(change) }
                    if let now = data["state"] as? String { state[order] = now }
                }
                cursor = page["next"] as? String
            }
            #expect(state.count == 500 && events > 500 + 100)
            // Every order's state as the API reads it; the booked, the cancelled and a sample byte for byte as the CLI prints them.
            let reader = Client(base: base, token: orderSystem)
            for index in 0..<500 {
                let order = "ORD-\(index)"
                let read = try await reader.call("GET", "/v1/orders/\(order)").object
                #expect(state[order] == read["state"] as? String, "\(order)")
                #expect((history[order] ?? []) as NSArray == (read["history"] as? NSArray ?? []), "\(order)")
            }
            for order in Set(booked + cancelled + (0..<20).map { "ORD-\($0 * 25 + 3)" }) {
                let printed = try await runner.run(["orders", "history", order, "--format", "json"] + database)
                let expected = try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? NSArray
                #expect(expected != nil && (history[order] ?? []) as NSArray == expected, "\(order)")
            }
            kill(server.processIdentifier, SIGTERM)
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
