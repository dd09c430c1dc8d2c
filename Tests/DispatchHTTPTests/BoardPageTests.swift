import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import SchedulingCore
import Testing

/// The dispatcher's live board (`/board/`): a desk signs in with a dispatcher's token (kept in
/// its own cookie), and reads the day's chart as a fragment drawn without inline style.
@Suite("The dispatcher's live board", .serialized)
struct BoardPageTests {
    @Test(
        "A dispatcher's token signs a desk in; a technician's is refused; the day's fragment is the chart and the waiting orders",
        arguments: Backend.all)
    func signInAndFragment(_ backend: Backend) async throws {
        try await APIHarness.with(backend) { api in
            let dispatcher = try #require(api.tokens[.dispatcher])
            let technician = try #require(api.tokens[.technician])
            let refused = try await api.request("POST", "/board/session", as: .none, body: Data(#"{"token": "\#(technician)"}"#.utf8))
            #expect(refused.status == 403)
            #expect(try await api.request("POST", "/board/session", as: .none, body: Data(#"{"token": "fdd_x"}"#.utf8)).status == 401)
            let signed = try await api.request("POST", "/board/session", as: .none, body: Data(#"{"token": "\#(dispatcher)"}"#.utf8))
            #expect(signed.status == 200 && signed.object["dispatcher"] as? String == "anna")
            #expect(signed.object["today"] as? String == "2026-11-23")
            let setCookie = try #require(signed.header("Set-Cookie"))
            #expect(setCookie.hasPrefix("fd_desk=fdd_") && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.prefix { $0 != ";" })
            let fragment = try await api.request("GET", "/board/day?date=2026-11-23", as: .none, headers: ["Cookie": cookie])
            #expect(fragment.status == 200 && fragment.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(fragment.text.contains("<svg") && fragment.text.contains(#"class="visit""#) && fragment.text.contains("data-state="))
            #expect(!fragment.text.contains("<style") && !fragment.text.contains("<script"))
            #expect(fragment.text.contains("Unassigned"))
            // The desk's cookie opens the day's stream's refusal path too: a technician's cookie does not open the board.
            #expect(try await api.request("GET", "/board/day?date=2026-11-23", as: .none).status == 401)
            #expect(try await api.request("GET", "/board/day?date=2026-11-23", as: .technician).status == 403)
            #expect(try await api.request("GET", "/board/day", as: .dispatcher).status == 400)
            let page = try await api.request("GET", "/board/", as: .none)
            #expect(page.status == 200 && page.text.contains(#"src="/board/board.js""#))
            #expect(page.header("Content-Security-Policy")?.contains("unsafe-inline") == false)
            let out = try await api.request("POST", "/board/signout", as: .none, headers: ["Cookie": cookie])
            #expect(out.status == 403)  // no CSRF token
            let csrf = try #require(signed.object["csrf"] as? String)
            let left = try await api.request("POST", "/board/signout", as: .none, headers: ["Cookie": cookie, "X-CSRF-Token": csrf])
            #expect(left.status == 200 && left.header("Set-Cookie")?.hasPrefix("fd_desk=;") == true)
        }
    }
}
