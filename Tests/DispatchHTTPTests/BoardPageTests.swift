import DispatchHTTP
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

/// The board's changes through the API: previewed (nothing stored), made (the order's history
/// says so), undone; refused with the rule; explained; a re-plan reviewed, then published.
@Suite("Changes from the live board", .serialized)
struct BoardChangeTests {
    @Test(
        "Preview, change, undo and refusals by the desk's cookie; explain; re-plan reviewed then published; an absence",
        arguments: Backend.all)
    func changes(_ backend: Backend) async throws {
        let quick: (inout DispatchServer.Settings) -> Void = { $0.replanSeconds = 1 }
        try await APIHarness.with(backend, configure: quick) { api in
            let dispatcher = try #require(api.tokens[.dispatcher])
            let signed = try await api.request("POST", "/board/session", as: .none, body: Data(#"{"token": "\#(dispatcher)"}"#.utf8))
            let cookie = String(try #require(signed.header("Set-Cookie")).prefix { $0 != ";" })
            let csrf = try #require(signed.object["csrf"] as? String)
            let desk = ["Cookie": cookie, "X-CSRF-Token": csrf]
            func technician(of order: String) async throws -> String? {
                let fragment = try await api.request("GET", "/board/day?date=2026-11-23", as: .none, headers: ["Cookie": cookie]).text
                guard let range = fragment.range(of: #"data-order="\#(order)" data-technician=""#) else { return nil }
                return String(fragment[range.upperBound...].prefix { $0 != "\"" })
            }
            func change(_ body: String, headers: [String: String]? = nil) async throws -> APIHarness.Reply {
                try await api.request("POST", "/v1/orders/WO-R/changes", as: .none, body: Data(body.utf8), headers: headers ?? desk)
            }
            let original = try #require(try await technician(of: "WO-R"))
            let target = original == "T1" ? "T2" : "T1"

            // Without the CSRF token a cookie changes nothing; a technician's token is not a dispatcher's.
            #expect(try await change(#"{"action": "assign", "technician": "\#(target)"}"#, headers: ["Cookie": cookie]).status == 403)
            let byTechnician = try await api.request(
                "POST", "/v1/orders/WO-R/changes", as: .technician, body: Data(#"{"action": "unassign"}"#.utf8))
            #expect(byTechnician.status == 403)

            let preview = try await change(#"{"action": "assign", "technician": "\#(target)", "based_on": 1, "preview": true}"#)
            #expect(preview.status == 200 && preview.object["applied"] as? Bool == false)
            let moved = try #require((preview.object["moved"] as? [[String: Any]])?.first)
            #expect((moved["to"] as? [String: Any])?["technician"] as? String == target)
            #expect((preview.object["summary"] as? String)?.contains("WO-R \(original) ") == true)
            #expect(try await technician(of: "WO-R") == original)

            let made = try await change(#"{"action": "assign", "technician": "\#(target)", "based_on": 1}"#)
            #expect(made.status == 200 && made.object["applied"] as? Bool == true)
            #expect((made.object["versions"] as? [[String: Any]])?.first?["version"] as? Int == 2)
            #expect(try await technician(of: "WO-R") == target)
            let order = try await api.request("GET", "/v1/orders/WO-R", as: .client)
            #expect(order.text.contains("assigned to \(target) at ") && order.text.contains("by hand (plan version 2)"))

            // The undo the answer carries, posted back as it is with the version it published.
            var undo = try #require(made.object["undo"] as? [String: Any])
            #expect(undo["order"] as? String == "WO-R" && undo["technician"] as? String == original)
            undo.removeValue(forKey: "order")
            undo["based_on"] = 2
            let undone = try await change(String(decoding: try JSONSerialization.data(withJSONObject: undo), as: UTF8.self))
            #expect(undone.status == 200)
            #expect(try await technician(of: "WO-R") == original)

            // Refusals say the rule; a stale version is a conflict.
            let refused = try await change(#"{"action": "assign", "technician": "T3", "preview": true}"#)
            #expect(refused.status == 422 && (refused.object["detail"] as? String)?.hasPrefix("refused (H1): T3 lacks broadband") == true)
            #expect(try await change(#"{"action": "assign", "technician": "\#(target)", "based_on": 1}"#).status == 409)
            #expect(try await change(#"{"action": "teleport"}"#).status == 422)
            #expect(try await change(#"{"action": "delay", "minutes": 10, "preview": true}"#).status == 422)

            let explained = try await api.request("GET", "/board/explain?order=WO-R", as: .none, headers: ["Cookie": cookie])
            #expect(explained.status == 200 && explained.text.contains("Who could take it") && explained.text.contains("<td>T3</td>"))
            #expect(try await api.request("GET", "/board/explain?order=WO-NONE", as: .none, headers: ["Cookie": cookie]).status == 404)

            // A re-plan is computed and kept for review; nothing is published until the dispatcher says so.
            let draft = try await api.request(
                "POST", "/board/replan", as: .none, body: Data(#"{"date": "2026-11-23"}"#.utf8), headers: desk)
            #expect(draft.status == 200 && draft.object["based_on"] as? Int == 3)
            let id = try #require(draft.object["id"] as? String)
            #expect((draft.object["proposed"] as? [String: Any])?["orders"] as? Int == 5)
            #expect(try await api.request("POST", "/board/replan/\(id)/publish", as: .none, headers: ["Cookie": cookie]).status == 403)
            let published = try await api.request("POST", "/board/replan/\(id)/publish", as: .none, headers: desk)
            #expect(published.status == 200 && published.object["version"] as? Int == 4)
            #expect(try await api.request("POST", "/board/replan/\(id)/publish", as: .none, headers: desk).status == 404)
            #expect(try await api.request("DELETE", "/board/replan/\(id)", as: .none, headers: desk).status == 404)

            let absent = try await api.request(
                "POST", "/v1/technicians/T3/absence", as: .dispatcher, body: Data(#"{"date": "2026-11-23", "reason": "ill"}"#.utf8))
            #expect(
                absent.status == 200 && absent.object["action"] as? String == "absent" && absent.object["technician"] as? String == "T3")
            let board = try await api.request("GET", "/board/day?date=2026-11-23", as: .dispatcher)
            #expect(board.text.contains(#"class="map""#) && board.text.contains(#"class="route" data-technician="#))
        }
    }
}
