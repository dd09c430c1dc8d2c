import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The technicians' API through a real socket, on each backend.
@Suite("Technicians' API", .serialized)
struct APITests {
    static let day = "date=2026-11-23"

    /// The first order of the technician's agenda that satisfies `where`.
    func myOrder(_ api: APIHarness, where condition: ([String: Any]) -> Bool = { _ in true }) async throws -> String {
        let agenda = try await api.request("GET", "/v1/me/agenda?\(Self.day)")
        let visits = agenda.object["visits"] as? [[String: Any]] ?? []
        return try #require(visits.first(where: condition)?["order"] as? String, "no matching visit in \(agenda.text)")
    }

    @Test("Every endpoint answers every role as it should", arguments: Backend.all)
    func rolesMatrix(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let mine = try await myOrder(api)
            typealias Role = APIHarness.Role
            let expected: [(String, String, [Role: Int])] = [
                (
                    "GET", "/v1/me/agenda?\(Self.day)",
                    [
                        .none: 401, .revoked: 401, .technician: 200, .otherTechnician: 200, .feed: 401, .dispatcher: 403, .client: 403,
                        .eventsClient: 403, .callCentre: 403,
                    ]
                ),
                (
                    "GET", "/v1/technicians/\(APIHarness.me)/agenda?\(Self.day)",
                    [
                        .none: 401, .revoked: 401, .technician: 403, .otherTechnician: 403, .feed: 401, .dispatcher: 200, .client: 403,
                        .eventsClient: 403, .callCentre: 403,
                    ]
                ),
                (
                    "GET", "/v1/me/calendar.ics",
                    [
                        .none: 401, .revoked: 401, .technician: 401, .otherTechnician: 401, .feed: 200, .dispatcher: 401, .client: 401,
                        .eventsClient: 401, .callCentre: 401,
                    ]
                ),
                (
                    "POST", "/v1/me/orders/\(mine)/status",
                    [
                        .none: 401, .revoked: 401, .feed: 401, .dispatcher: 403, .otherTechnician: 404, .technician: 200, .client: 403,
                        .eventsClient: 403, .callCentre: 403,
                    ]
                ),
                (
                    "GET", "/v1/orders/\(mine)",
                    [
                        .none: 401, .revoked: 401, .technician: 403, .otherTechnician: 403, .feed: 401, .dispatcher: 403, .client: 200,
                        .eventsClient: 403, .callCentre: 200,
                    ]
                ),
            ]
            for (method, path, answers) in expected {
                // The technician's own status report changes state: it goes last.
                for role in Role.allCases.sorted(by: { ($0 == .technician ? 1 : 0) < ($1 == .technician ? 1 : 0) }) {
                    let reply =
                        method == "POST"
                        ? try await api.post(path, json: #"{"state": "en_route"}"#, as: role)
                        : try await api.request(method, path, as: role)
                    #expect(reply.status == answers[role], "\(method) \(path) as \(role): \(reply.status) \(reply.text)")
                    if reply.status >= 400 {
                        #expect(reply.header("Content-Type") == "application/problem+json")
                        #expect(reply.object["status"] as? Int == reply.status && (reply.object["detail"] as? String)?.isEmpty == false)
                    }
                    if reply.status == 401 && !path.hasPrefix("/v1/me/calendar") { #expect(reply.header("WWW-Authenticate") != nil) }
                }
            }
            // Another technician's order and an order that does not exist get the same answer.
            let missing = try await api.post("/v1/me/orders/WO-404/status", json: #"{"state": "en_route"}"#)
            let foreign = try await api.post("/v1/me/orders/\(mine)/status", json: #"{"state": "on_site"}"#, as: .otherTechnician)
            #expect(missing.status == 404 && foreign.status == 404)
            #expect(
                (missing.object["detail"] as? String)?.replacingOccurrences(of: "WO-404", with: mine) == foreign.object["detail"] as? String
            )
            // The other technician's agenda is theirs, not mine.
            let theirs = try await api.request("GET", "/v1/me/agenda?\(Self.day)", as: .otherTechnician)
            #expect(theirs.object["technician"] as? String == APIHarness.other)
            #expect(!((theirs.object["visits"] as? [[String: Any]]) ?? []).contains { $0["order"] as? String == mine })
        }
    }

    @Test("The agenda carries an ETag; If-None-Match gets 304 until something changes", arguments: Backend.all)
    func etags(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let first = try await api.request("GET", "/v1/me/agenda?\(Self.day)")
            #expect(first.status == 200)
            let tag = try #require(first.header("ETag"))
            let again = try await api.request("GET", "/v1/me/agenda?\(Self.day)", headers: ["If-None-Match": tag])
            #expect(again.status == 304 && again.body.isEmpty)
            let weak = try await api.request("GET", "/v1/me/agenda?\(Self.day)", headers: ["If-None-Match": "\"x\", W/\(tag)"])
            #expect(weak.status == 304)
            let order = try await myOrder(api)
            #expect(try await api.post("/v1/me/orders/\(order)/status", json: #"{"state": "en_route"}"#).status == 200)
            let changed = try await api.request("GET", "/v1/me/agenda?\(Self.day)", headers: ["If-None-Match": tag])
            #expect(changed.status == 200 && changed.header("ETag") != tag)
            let visits = changed.object["visits"] as? [[String: Any]] ?? []
            #expect(visits.first { $0["order"] as? String == order }?["state"] as? String == "en_route")
            #expect(changed.object["plan_version"] as? Int == 1)
            // The phone is shown only on the contact's visit.
            for visit in visits {
                let customer = visit["customer"] as? [String: Any] ?? [:]
                #expect((customer["phone"] is String) == (visit["contact"] as? Bool == true))
            }
        }
    }

    @Test("Legal and illegal transitions, with the effects the CLI has", arguments: Backend.all)
    func transitions(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let install = try await myOrder(api) { $0["type"] as? String == "install" && $0["service"] as? String == "broadband" }
            let path = "/v1/me/orders/\(install)/status"
            #expect(try await api.post(path, json: #"{"state": "completed"}"#).status == 422)  // from scheduled
            #expect(try await api.post(path, json: #"{"state": "en_route"}"#).status == 200)
            #expect(try await api.post(path, json: #"{"state": "on_site"}"#).status == 200)
            let noSpeed = try await api.post(path, json: #"{"state": "completed"}"#)
            #expect(noSpeed.status == 422 && (noSpeed.object["detail"] as? String)?.contains("speed_test_mbps") == true)
            for speed in ["0", "-5", "1e308", "\"fast\""] {
                let refused = try await api.post(path, json: #"{"state": "completed", "details": {"speed_test_mbps": "# + speed + "}}")
                #expect(refused.status == 422, "speed \(speed) was accepted")
            }
            let longID = try await api.post(
                "/v1/me/orders/\(String(repeating: "W", count: 100_000))/status", json: #"{"state": "en_route"}"#)
            #expect((400..<500).contains(longID.status), "a 100 KB order id: \(longID.status)")
            let done = try await api.post(path, json: #"{"state": "completed", "details": {"speed_test_mbps": 94.5, "router": "HG8145"}}"#)
            #expect(done.status == 200 && done.object["to"] as? String == "completed")
            #expect(done.object["callback"] is Int)
            let callbacks = try await api.operations.callbacksDue()
            #expect(callbacks.contains { $0.task.order == install })
            let history = try await api.operations.history(order: install)
            #expect(history.last?.actor == APIHarness.me && history.last?.details?.contains("94.5") == true)
            #expect(try await api.post(path, json: #"{"state": "en_route"}"#).status == 422)  // completed is closed
            #expect(try await api.post(path, json: #"{"state": "cancelled", "reason": "x"}"#).status == 422)  // not a field state
        }
    }

    @Test("Malformed, oversized and hostile bodies get 4xx problems, never 500", arguments: Backend.all)
    func hostileBodies(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let path = "/v1/me/orders/\(try await myOrder(api))/status"
            let cases: [(String, Data, String?, Int)] = [
                ("not JSON", Data("{".utf8), "application/json", 400),
                ("an array", Data("[]".utf8), "application/json", 400),
                ("null", Data("null".utf8), "application/json", 400),
                ("not UTF-8", Data([0x7B, 0xFF, 0xFE, 0x7D]), "application/json", 400),
                ("unknown field", Data(#"{"state": "en_route", "admin": true}"#.utf8), "application/json", 422),
                ("state missing", Data(#"{"reason": "x"}"#.utf8), "application/json", 422),
                ("state a number", Data(#"{"state": 5}"#.utf8), "application/json", 422),
                ("reason a list", Data(#"{"state": "en_route", "reason": ["x"]}"#.utf8), "application/json", 422),
                ("details nested", Data(#"{"state": "en_route", "details": {"a": {"b": 1}}}"#.utf8), "application/json", 422),
                ("details a boolean", Data(#"{"state": "en_route", "details": {"a": true}}"#.utf8), "application/json", 422),
                ("unknown state", Data(#"{"state": "teleported"}"#.utf8), "application/json", 422),
                (
                    "deep nesting", Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8),
                    "application/json", 400
                ),
                (
                    "over 64 KiB", Data((#"{"state": "en_route", "reason": ""# + String(repeating: "x", count: 70_000) + #""}"#).utf8),
                    "application/json", 413
                ),
                ("form encoded", Data("state=en_route".utf8), "application/x-www-form-urlencoded", 415),
                ("no content type", Data(#"{"state": "en_route"}"#.utf8), nil, 415),
            ]
            for (label, body, type, status) in cases {
                let reply = try await api.request("POST", path, body: body, contentType: type)
                #expect(reply.status == status, "\(label): \(reply.status) \(reply.text.prefix(200))")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(label)")
            }
            let unknownRoute = try await api.request("GET", "/v1/me/secrets")
            #expect(unknownRoute.status == 404 && unknownRoute.header("Content-Type") == "application/problem+json")
            #expect(try await api.request("GET", "/v1/me/agenda?date=23.11.2026").status == 400)
            // Without a date: today where the operator works (the harness's clock stands on the fixture day).
            let today = try await api.request("GET", "/v1/me/agenda")
            #expect(today.status == 200 && today.object["date"] as? String == "2026-11-23")
            // Nothing above changed the order.
            let agenda = try await api.request("GET", "/v1/me/agenda?\(Self.day)")
            #expect(((agenda.object["visits"] as? [[String: Any]]) ?? []).allSatisfy { $0["state"] as? String == "scheduled" })
        }
    }

    @Test("Past its rate a token gets 429 with Retry-After; others are unaffected")
    func rateLimit() async throws {
        // A burst of 3, refilled at one request per 10 s: however slow a loaded machine answers,
        // the fourth request inside those 10 s is over the rate.
        try await APIHarness.with(.sqlite, ratePerSecond: 0.1, burst: 3) { api in
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await api.request("GET", "/v1/me/agenda?\(Self.day)").status) }
            #expect(statuses.prefix(3).allSatisfy { $0 == 200 })
            #expect(statuses.last == 429)
            let limited = try await api.request("GET", "/v1/me/agenda?\(Self.day)")
            #expect(limited.status == 429 && Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(try await api.request("GET", "/v1/me/agenda?\(Self.day)", as: .otherTechnician).status == 200)
        }
    }

    @Test("Health and readiness")
    func health() async throws {
        try await APIHarness.with(.sqlite) { api in
            let health = try await api.request("GET", "/healthz", as: .none)
            #expect(health.status == 200 && health.object["status"] as? String == "ok")
            let ready = try await api.request("GET", "/readyz", as: .none)
            #expect(ready.status == 200 && ready.object["status"] as? String == "ready")
        }
    }
}
