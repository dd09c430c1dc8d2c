import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The technician's page (`/t/`): a sign-in link exchanged once for the phone's cookie, the
/// API's own routes through that cookie with a CSRF token on every report, and the page's files
/// served under a Content-Security-Policy without inline script.
@Suite("The technician's page", .serialized)
struct TechnicianPageTests {
    static func cookie(_ reply: APIHarness.Reply) -> String? {
        guard let header = reply.header("Set-Cookie"), header.hasPrefix("fd_device=") else { return nil }
        return String(header.prefix { $0 != ";" })
    }

    @Test(
        "A sign-in link is exchanged once for the phone's HttpOnly cookie; used, expired or unknown it is refused", arguments: Backend.all)
    func signIn(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let (code, expires) = try await api.operations.issueSignInCode(for: APIHarness.me)
            #expect(code.hasPrefix("fds_") && expires == api.clock.now().adding(minutes: 15))
            let body = { (code: String) in Data(#"{"code": "\#(code)"}"#.utf8) }
            let first = try await api.request("POST", "/t/session", as: .none, body: body(code))
            #expect(first.status == 200)
            #expect(first.object["technician"] as? String == APIHarness.me)
            let setCookie = try #require(first.header("Set-Cookie"))
            #expect(setCookie.hasPrefix("fd_device=fdt_") && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect(first.header("Cache-Control") == "no-store")
            // Once only, and never again after it expired; an unknown code is not ours.
            let again = try await api.request("POST", "/t/session", as: .none, body: body(code))
            #expect(again.status == 410 && again.text.contains("used already"))
            let (late, _) = try await api.operations.issueSignInCode(for: APIHarness.me)
            api.clock.set("2026-11-23T07:16:00+08:00")
            #expect(try await api.request("POST", "/t/session", as: .none, body: body(late)).status == 410)
            let forged = "fds_" + String(code.dropFirst(4).prefix(16)) + "_" + String(repeating: "A", count: 43)
            #expect(try await api.request("POST", "/t/session", as: .none, body: body(forged)).status == 401)
            #expect(try await api.request("POST", "/t/session", as: .none, body: Data("{}".utf8)).status == 422)
            await #expect(throws: OperationError.self) { _ = try await api.operations.issueSignInCode(for: "T-NOBODY") }
        }
    }

    @Test(
        "The cookie opens the technician's agenda; a report needs the page's CSRF token; signing out revokes the phone",
        arguments: Backend.all)
    func cookieAndCSRF(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let (code, _) = try await api.operations.issueSignInCode(for: APIHarness.me)
            let signedIn = try await api.request("POST", "/t/session", as: .none, body: Data(#"{"code": "\#(code)"}"#.utf8))
            let cookie = try #require(Self.cookie(signedIn))
            let csrf = try #require(signedIn.object["csrf"] as? String)
            let agenda = try await api.request("GET", "/v1/me/agenda?\(APITests.day)", as: .none, headers: ["Cookie": cookie])
            #expect(agenda.status == 200 && agenda.object["technician"] as? String == APIHarness.me)
            let session = try await api.request("GET", "/t/session", as: .none, headers: ["Cookie": cookie])
            #expect(session.status == 200 && session.object["csrf"] as? String == csrf)
            let visits = try #require(agenda.object["visits"] as? [[String: Any]])
            let order = try #require(visits.first?["order"] as? String)
            let path = "/v1/me/orders/\(order)/status"
            let report = Data(#"{"state": "en_route"}"#.utf8)
            // Another site's form or script has the cookie sent, but not the token: refused.
            let bare = try await api.request("POST", path, as: .none, body: report, headers: ["Cookie": cookie])
            #expect(bare.status == 403 && bare.text.contains("X-CSRF-Token"))
            let wrong = try await api.request(
                "POST", path, as: .none, body: report,
                headers: ["Cookie": cookie, "X-CSRF-Token": (csrf.first == "0" ? "1" : "0") + csrf.dropFirst()])
            #expect(wrong.status == 403)
            let sent = try await api.request(
                "POST", path, as: .none, body: report, headers: ["Cookie": cookie, "X-CSRF-Token": csrf, "Idempotency-Key": "k-1"])
            #expect(sent.status == 200 && sent.object["to"] as? String == "en_route")
            // The same report replayed (a phone back online): answered as the first, recorded once.
            let replayed = try await api.request(
                "POST", path, as: .none, body: report, headers: ["Cookie": cookie, "X-CSRF-Token": csrf, "Idempotency-Key": "k-1"])
            #expect(replayed.status == 200 && replayed.header("Idempotent-Replayed") == "true")
            let history = try await api.operations.orderView(order).history.filter { $0.to == .enRoute }
            #expect(history.count == 1 && history.first?.actor == APIHarness.me)
            // Signing out revokes this phone's token and clears the cookie; the other tokens stay.
            let out = try await api.request("POST", "/t/signout", as: .none, headers: ["Cookie": cookie, "X-CSRF-Token": csrf])
            #expect(out.status == 200 && out.header("Set-Cookie")?.contains("Max-Age=0") == true)
            #expect(try await api.request("GET", "/v1/me/agenda?\(APITests.day)", as: .none, headers: ["Cookie": cookie]).status == 401)
            #expect(try await api.request("GET", "/v1/me/agenda?\(APITests.day)").status == 200)
        }
    }

    @Test(
        "Running late: the visit and the later ones are re-planned through the desk's delay operation; another's order is 404",
        arguments: Backend.all)
    func runningLate(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let before = try await api.request("GET", "/v1/me/agenda?\(APITests.day)")
            let visits = try #require(before.object["visits"] as? [[String: Any]])
            let order = try #require(visits.first?["order"] as? String)
            let start = try #require(visits.first?["planned_start"] as? String)
            let path = "/v1/me/orders/\(order)/delay"
            #expect(try await api.post(path, json: #"{"minutes": 0}"#).status == 422)
            #expect(try await api.post(path, json: #"{"minutes": 20, "why": "traffic"}"#).status == 422)
            #expect(try await api.post(path, json: #"{"minutes": 20}"#, as: .otherTechnician).status == 404)
            let late = try await api.request(
                "POST", path, body: Data(#"{"minutes": 20}"#.utf8), headers: ["Idempotency-Key": "late-1"])
            #expect(late.status == 200 && late.object["order"] as? String == order)
            let version = try #require(late.object["plan_version"] as? Int)
            #expect(version >= 2)
            let after = try await api.request("GET", "/v1/me/agenda?\(APITests.day)")
            #expect(after.object["plan_version"] as? Int == version)
            let moved = (after.object["visits"] as? [[String: Any]])?.first { $0["order"] as? String == order }
            let newStart = try #require(moved?["planned_start"] as? String)
            #expect(newStart > start)
            // Replayed with its key (a phone back online): the first answer, nothing published again.
            let replayed = try await api.request(
                "POST", path, body: Data(#"{"minutes": 20}"#.utf8), headers: ["Idempotency-Key": "late-1"])
            #expect(replayed.status == 200 && replayed.object["plan_version"] as? Int == version)
            #expect(try await api.request("GET", "/v1/me/agenda?\(APITests.day)").object["plan_version"] as? Int == version)
        }
    }

    @Test(
        "The page's files: HTML, a module, the service worker and the manifest, under a CSP without inline script", arguments: Backend.all)
    func files(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let page = try await api.request("GET", "/t/", as: .none)
            #expect(page.status == 200 && page.header("Content-Type")?.hasPrefix("text/html") == true)
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
            #expect(page.text.contains(#"<script type="module" src="/t/app.js">"#) && !page.text.contains("<script>"))
            #expect(try await api.request("GET", "/t/app.js", as: .none).header("Content-Type")?.hasPrefix("text/javascript") == true)
            let worker = try await api.request("GET", "/t/sw.js", as: .none)
            #expect(worker.status == 200 && worker.text.contains("/v1/me/agenda"))
            let manifest = try await api.request("GET", "/t/manifest.webmanifest", as: .none)
            let parsed = try #require(try JSONSerialization.jsonObject(with: manifest.body) as? [String: Any])
            #expect(parsed["start_url"] as? String == "/t/" && parsed["display"] as? String == "standalone")
            #expect(try await api.request("GET", "/t", as: .none).status == 200)
            #expect(try await api.request("GET", "/t/nothing-here", as: .none).status == 404)
        }
    }
}
