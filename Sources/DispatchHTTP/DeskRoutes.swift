import DispatchOperations
import Foundation
import HTTPTypes
import Hummingbird
import SchedulingCore
import Synchronization

/// The dispatcher's changes from the live board (docs/browser.md, docs/http-api.md): a change to
/// an order (`POST /v1/orders/{id}/changes`, previewed or made), a technician's absence, the
/// explanation of an order, and a re-plan computed for review then published or discarded.
extension DispatchServer {
    /// The fields a change's body may carry.
    static let changeFields: Set<String> = ["action", "technician", "start", "date", "minutes", "based_on", "preview"]

    /// `POST /v1/orders/{id}/changes`: `{"action": "assign"|"pin"|"unpin"|"unassign"|"move"|"delay",
    /// "technician", "start", "date", "minutes", "based_on", "preview"}`.
    func changeOrder(_ id: String, by principal: Principal, _ request: Request, _ context: APIContext) async throws -> Response {
        let bytes = try await jsonBody(request, context, limit: 16 * 1024)
        guard let object = (try? JSONValue(parsing: Data(bytes.readableBytesView)))?.object else {
            throw Problem.badRequest("the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !Self.changeFields.contains($0) }) {
            throw Problem.invalid("unknown field '\(unknown)'; a change has \(Self.changeFields.sorted().joined(separator: ", "))")
        }
        func text(_ field: String) throws -> String? {
            guard let value = object[field], value != .null else { return nil }
            guard let string = value.string, !string.isEmpty, string.count <= 200 else {
                throw Problem.invalid("field '\(field)' is a string of 1 to 200 characters")
            }
            return string
        }
        func required(_ field: String, _ action: String) throws -> String {
            guard let value = try text(field) else { throw Problem.invalid("field '\(field)' is required to \(action)") }
            return value
        }
        let preview: Bool
        switch object["preview"] {
        case nil, .null?: preview = false
        case .bool(let value)?: preview = value
        default: throw Problem.invalid("field 'preview' is true or false")
        }
        var basedOn: Int?
        if let value = object["based_on"], value != .null {
            guard let number = value.double, number == number.rounded(), (0...Double(Int32.max)).contains(number) else {
                throw Problem.invalid("field 'based_on' is the plan version you looked at, a whole number")
            }
            basedOn = Int(number)
        }
        let action = try required("action", "say what to change")
        let change: DeskChange
        switch action {
        case "assign", "pin":
            let technician = try required("technician", action)
            let start = try text("start").map { value -> Instant in
                guard let instant = parseRFC3339(value) else {
                    throw Problem.invalid("field 'start' is RFC 3339 with an offset, e.g. 2026-03-02T10:30:00+01:00")
                }
                return instant
            }
            change = .assign(order: id, technician: technician, start: start, pin: action == "pin")
        case "unpin": change = .unpin(order: id)
        case "unassign": change = .unassign(order: id)
        case "move":
            let date = try required("date", "move")
            guard let day = LocalDate(iso: date) else { throw Problem.invalid("field 'date' is a day, YYYY-MM-DD") }
            change = .move(order: id, to: day)
        case "delay":
            guard let number = object["minutes"]?.double, number == number.rounded(), (1...720).contains(number) else {
                throw Problem.invalid("field 'minutes' is required to delay: a whole number of minutes from 1 to 720")
            }
            guard !preview else {
                throw Problem.invalid(
                    "a delay is not previewed: it is worked out from the day as the technician reports it; make it, or undo by hand")
            }
            return try await idempotent(request, principal, body: bytes) {
                let outcome = try await operations.delay(order: id, minutes: Int(number), actor: principal.subject)
                return Answer(body: Self.outcomeDocument("delay", id, outcome, day: outcome.day))
            }
        default:
            throw Problem.invalid("field 'action' is one of assign, pin, unpin, unassign, move, delay (not '\(action)')")
        }
        if preview {
            let effect = try await operations.deskChange(change, basedOn: basedOn, preview: true, actor: principal.subject)
            return Self.json(Self.effectDocument(effect))
        }
        return try await idempotent(request, principal, body: bytes) {
            let effect = try await operations.deskChange(change, basedOn: basedOn, actor: principal.subject)
            return Answer(body: Self.effectDocument(effect))
        }
    }

    /// `POST /v1/technicians/{id}/absence {"date", "reason"}`: the technician is absent that day;
    /// their visits go to others where they fit, the rest to rebooking (customers told).
    func recordAbsence(_ id: String, by principal: Principal, _ request: Request, _ context: APIContext) async throws -> Response {
        let bytes = try await jsonBody(request, context, limit: 16 * 1024)
        guard let object = (try? JSONValue(parsing: Data(bytes.readableBytesView)))?.object else {
            throw Problem.badRequest("the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "date" && $0 != "reason" }) {
            throw Problem.invalid("unknown field '\(unknown)'; the body is {\"date\": \"YYYY-MM-DD\", \"reason\": \"…\"}")
        }
        guard let text = object["date"]?.string, let day = LocalDate(iso: text) else {
            throw Problem.invalid("field 'date' is required: the day of the absence, YYYY-MM-DD")
        }
        var reason: String?
        if let value = object["reason"], value != .null {
            guard let string = value.string, string.count <= 200 else { throw Problem.invalid("field 'reason' is at most 200 characters") }
            reason = string.isEmpty ? nil : string
        }
        return try await idempotent(request, principal, body: bytes) {
            let outcome = try await operations.recordAbsence(technician: id, day: day, reason: reason, actor: principal.subject)
            return Answer(body: Self.outcomeDocument("absent", id, outcome, day: day))
        }
    }

    /// A published outcome (a delay, an absence; nil: nothing to publish) as the board shows it,
    /// in the shape of a change's effect.
    static func outcomeDocument(_ action: String, _ subject: String, _ outcome: PublishOutcome?, day: LocalDate) -> JSONValue {
        var parts: [String] = []
        if let outcome {
            parts.append("plan version \(outcome.version) of \(outcome.day) published")
            if !outcome.rebooked.isEmpty { parts.append("to rebooking: \(outcome.rebooked.joined(separator: ", "))") }
            if !outcome.unassigned.isEmpty { parts.append("unassigned: \(outcome.unassigned.joined(separator: ", "))") }
            parts.append(outcome.noticesQueued == 0 ? "no notice" : plural(outcome.noticesQueued, "notice"))
        } else {
            parts.append("no plan of \(day) to change")
        }
        let versions: [JSONValue] = outcome.map { [["day": $0.day.description.json, "version": $0.version.json]] } ?? []
        return [
            "action": action.json, (action == "absent" ? "technician" : "order"): subject.json, "applied": true,
            "versions": .array(versions), "rebooked": .array((outcome?.rebooked ?? []).map(\.json)),
            "unassigned": .array((outcome?.unassigned ?? []).map(\.json)), "notices": (outcome?.noticesQueued ?? 0).json,
            "summary": parts.joined(separator: " · ").json, "undo": .null,
            "added": [], "removed": [], "moved": [], "routes": [], "windows_kept": [],
        ]
    }

    /// A desk change's effect (docs/http-api.md, `DeskEffect` in openapi.yaml).
    static func effectDocument(_ effect: DeskEffect) -> JSONValue {
        let zone = effect.zone
        func visit(_ visit: PlannedVisit) -> JSONValue {
            [
                "order": visit.order.json, "technician": visit.technician.json, "start": zone.rfc3339(visit.start).json,
                "end": zone.rfc3339(visit.end).json,
            ]
        }
        return [
            "action": effect.change.action.json, "order": effect.change.order.json, "applied": .bool(effect.applied),
            "summary": effect.summary.json,
            "versions": .array(effect.versions.map { ["day": $0.day.description.json, "version": $0.version.json] }),
            "added": .array(effect.added.map(visit)), "removed": .array(effect.removed.map(visit)),
            "moved": .array(effect.moved.map { ["order": $0.to.order.json, "from": visit($0.from), "to": visit($0.to)] }),
            "routes": .array(
                effect.routes.map { route in
                    [
                        "technician": route.technician.json, "day": route.day.description.json, "added_minutes": route.addedMinutes.json,
                        "visits_before": route.visitsBefore.json, "visits_after": route.visitsAfter.json,
                        "travel_before": route.travelBefore.json, "travel_after": route.travelAfter.json,
                        "work_before": route.workBefore.json, "work_after": route.workAfter.json,
                    ]
                }),
            "windows_kept": .array(effect.windowsKept.map(\.json)), "rebooked": .array(effect.rebooked.map(\.json)),
            "unassigned": .array(effect.unassigned.map(\.json)), "notices": effect.notices.json,
            "undo": effect.undo.map { changeDocument($0, zone: zone) } ?? .null,
        ]
    }

    /// A change as the body that makes it (the board posts an effect's `undo` back as it is).
    static func changeDocument(_ change: DeskChange, zone: ServiceTimeZone) -> JSONValue {
        var document: [String: JSONValue] = ["action": change.action.json, "order": change.order.json]
        switch change {
        case .assign(_, let technician, let start, _):
            document["technician"] = technician.json
            if let start { document["start"] = zone.rfc3339(start).json }
        case .move(_, let date): document["date"] = date.description.json
        case .unpin, .unassign: break
        }
        return .object(document)
    }

    /// `GET /board/explain?order=`: why the order is where it is, or why it is not planned, and
    /// what each technician makes of it (`dispatch explain`), as an HTML fragment.
    func boardExplain(_ request: Request, _ context: APIContext) async throws -> Response {
        _ = try await authenticate(request, context, as: .dispatcher)
        guard let order = request.uri.queryParameters.get("order"), !order.isEmpty, order.count <= 200 else {
            throw Problem.badRequest("give the order as ?order=ID")
        }
        let explanation = try await operations.explain(order: String(order))
        return fragment(ExplanationPage(explanation: explanation).html())
    }

    /// An HTML fragment the board swaps in.
    func fragment(_ html: String) -> Response {
        var headers = pageHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: Re-plan for review

    /// `POST /board/replan {"date", "seconds"}`: a plan of the day computed from the day as it is
    /// (the published visits are facts where they must be), kept on this server for review.
    func replanDraft(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await authenticate(request, context, as: .dispatcher)
        let bytes = try await jsonBody(request, context, limit: 4096)
        guard let object = (try? JSONValue(parsing: Data(bytes.readableBytesView)))?.object,
            let text = object["date"]?.string, let day = LocalDate(iso: text)
        else { throw Problem.invalid("the body is {\"date\": \"YYYY-MM-DD\"}") }
        let seconds = settings.replanSeconds
        let seed = UInt64(Date().timeIntervalSince1970)
        guard
            let preview = try await operations.replanPreview(
                day, seed: seed,
                solve: { scenario in
                    await Self.offThePool { Solver(scenario: scenario, options: SolverOptions(seed: seed, seconds: seconds)).plan() }
                })
        else { throw Problem.notFound("no day \(day)") }
        let id = drafts.keep(preview, for: principal.subject)
        return Self.json(Self.draftDocument(id, preview))
    }

    /// `POST /board/replan/{id}/publish`: the reviewed plan published (rebased when the day moved on).
    func replanPublish(_ id: String, _ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await authenticate(request, context, as: .dispatcher)
        guard let preview = drafts.take(id, for: principal.subject) else {
            throw Problem.notFound("no re-plan '\(id)' waiting for you (discarded, published, or older than 30 minutes)")
        }
        let published = try await operations.publish(preview.proposal, actor: principal.subject, cause: "re-plan reviewed on the board")
        var parts = ["plan version \(published.outcome.version) of \(published.outcome.day) published"]
        if let rebase = published.rebase {
            parts.append("fitted to changes made meanwhile (\(rebase.kept) visits as computed, \(rebase.replaced.count) placed again)")
        }
        if !published.outcome.rebooked.isEmpty { parts.append("to rebooking: \(published.outcome.rebooked.joined(separator: ", "))") }
        parts.append(published.outcome.noticesQueued == 0 ? "no notice" : plural(published.outcome.noticesQueued, "notice"))
        return Self.json(
            [
                "day": published.outcome.day.description.json, "version": published.outcome.version.json,
                "summary": parts.joined(separator: " · ").json,
            ] as JSONValue)
    }

    /// `DELETE /board/replan/{id}`: the reviewed plan thrown away.
    func replanDiscard(_ id: String, _ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await authenticate(request, context, as: .dispatcher)
        guard drafts.take(id, for: principal.subject) != nil else { throw Problem.notFound("no re-plan '\(id)' waiting for you") }
        return Self.json(["discarded": true] as JSONValue)
    }

    static func draftDocument(_ id: String, _ preview: ReplanPreview) -> JSONValue {
        let zone = preview.zone
        func clock(_ instant: Instant) -> String { zone.local(instant).time.description }
        func figures(_ kpis: PlanKPIs?) -> JSONValue {
            guard let kpis else { return .null }
            return [
                "orders": kpis.orders.json, "assigned": kpis.assigned.json, "travel_minutes": kpis.travelMinutes.json,
                "outsourced_orders": kpis.outsourcedOrders.json, "late_repairs": kpis.lateRepairs.json,
            ]
        }
        return [
            "id": id.json, "day": preview.proposal.plan.date.description.json, "based_on": (preview.proposal.basedOn ?? 0).json,
            "published": figures(preview.published), "proposed": figures(preview.proposed),
            "unchanged": preview.unchanged.json,
            "added": .array(preview.added.map { "\($0.order) to \($0.technician) at \(clock($0.start))".json }),
            "removed": .array(preview.removed.map { "\($0.order) off \($0.technician)'s day".json }),
            "moved": .array(
                preview.moved.map {
                    "\($0.to.order) \($0.from.technician) \(clock($0.from.start)) → \($0.to.technician) \(clock($0.to.start))".json
                }),
        ]
    }

    /// Runs CPU-bound work (a search of several seconds) on a thread of its own, so the server's
    /// threads keep answering meanwhile.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.start()
        }
    }
}

/// Re-plans computed for review, each for the dispatcher who asked, kept 30 minutes at most and
/// 20 at once (the oldest goes first).
final class ReplanDrafts: Sendable {
    private struct Draft {
        var id: String
        var owner: String
        var made: ContinuousClock.Instant
        var preview: ReplanPreview
    }

    private let drafts = Mutex<[Draft]>([])

    func keep(_ preview: ReplanPreview, for owner: String) -> String {
        let id = UUID().uuidString.lowercased()
        drafts.withLock { drafts in
            let now = ContinuousClock.now
            drafts.removeAll { now - $0.made > .seconds(1800) }
            drafts.append(Draft(id: id, owner: owner, made: now, preview: preview))
            if drafts.count > 20 { drafts.removeFirst(drafts.count - 20) }
        }
        return id
    }

    func take(_ id: String, for owner: String) -> ReplanPreview? {
        drafts.withLock { drafts in
            let now = ContinuousClock.now
            drafts.removeAll { now - $0.made > .seconds(1800) }
            guard let index = drafts.firstIndex(where: { $0.id == id && $0.owner == owner }) else { return nil }
            return drafts.remove(at: index).preview
        }
    }
}

/// `dispatch explain` as HTML: where the order is or why it is not planned, and each
/// technician's verdict, those who could take it first.
struct ExplanationPage {
    let explanation: Explanation

    func html() -> String {
        func esc(_ text: String) -> String { SVGWriter.escape(text) }
        let zone = explanation.zone
        func clock(_ instant: Instant) -> String { zone.local(instant).time.description }
        let order = explanation.order
        var out = "<h2>\(esc(order.order.id)) · \(esc(order.order.type.rawValue)) \(esc(order.order.service.rawValue)) · "
        out += "\(esc(order.order.customer.tier.rawValue)) · \(esc(order.state.rawValue))</h2>\n"
        if let window = order.order.window { out += "<p>Window \(clock(window.start))–\(clock(window.end)) on \(explanation.date).</p>\n" }
        if let pin = order.order.pin {
            out += "<p>Pinned to \(esc(pin.technicianID))" + (pin.start.map { " at \(clock($0))" } ?? "") + ".</p>\n"
        }
        if explanation.visits.isEmpty {
            if let unassigned = explanation.unassigned {
                out += "<p class=\"bad\">Not planned: <code>\(esc(unassigned.code.rawValue))</code> \(esc(unassigned.reason))</p>\n"
            } else {
                out += "<p>Not in the published plan of \(explanation.date).</p>\n"
            }
        } else {
            for visit in explanation.visits {
                out += "<p>Planned: \(esc(visit.order)) with \(esc(visit.technician)) \(clock(visit.start))–\(clock(visit.end)).</p>\n"
            }
        }
        let ranked = explanation.verdicts.sorted { a, b in
            if a.fits != b.fits { return a.fits }
            return naturallyBefore(a.technician, b.technician)
        }
        let fitting = ranked.filter(\.fits).count
        out += "<h3>Who could take it (\(fitting) of \(ranked.count) technicians)</h3>\n"
        out += "<table><thead><tr><th>Technician</th><th>Verdict</th><th>Why</th></tr></thead><tbody>\n"
        for verdict in ranked.prefix(40) {
            let what = verdict.fits ? "fits" + (verdict.start.map { " at \(clock($0))" } ?? "") : "\(verdict.rule) \(verdict.kind)"
            out += "<tr class=\"\(verdict.fits ? "fits" : "refused")\"><td>\(esc(verdict.technician))</td><td>\(esc(what))</td>"
            out += "<td>\(esc(verdict.reason))</td></tr>\n"
        }
        out += "</tbody></table>\n"
        if ranked.count > 40 { out += "<p>… and \(ranked.count - 40) more (dispatch explain \(esc(order.order.id)) lists all).</p>\n" }
        return out
    }
}
