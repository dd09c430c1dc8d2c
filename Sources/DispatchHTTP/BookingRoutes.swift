import DispatchOperations
import DispatchStore
import Foundation
import Hummingbird
import SchedulingCore

/// The call centre's two calls (docs/integration.md): slot offers, and booking one of them.
extension DispatchServer {
    /// A small JSON body's fields, known keys only.
    static func fields(_ body: ByteBuffer, allowed: Set<String>) throws -> [String: JSONValue] {
        guard let object = (try? JSONValue(parsing: Data(body.readableBytesView)))?.object else {
            throw Problem.badRequest("the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.invalid("unknown field '\(unknown)'; the fields are \(allowed.sorted().joined(separator: ", "))")
        }
        return object
    }

    /// `POST /v1/orders/{id}/slot-offers {"days": 1…14, "window_minutes": 120}`.
    func offerSlots(_ id: String, _ body: ByteBuffer, by principal: Principal) async throws -> Answer {
        let fields = try Self.fields(body, allowed: ["days", "window_minutes"])
        func number(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = fields[key], value != .null else { return fallback }
            guard let number = value.int else { throw Problem.invalid("\(key): a whole number") }
            return number
        }
        let offer = try await operations.offerSlots(
            order: id, days: try number("days", 7), windowMinutes: try number("window_minutes", 120), client: principal.subject)
        return Answer(body: Self.document(offer))
    }

    static func document(_ offer: SlotOffer) -> JSONValue {
        let zone = offer.zone
        return [
            "offer": offer.id.json, "order": offer.order.json, "expires": zone.rfc3339(offer.expires).json,
            "window_minutes": offer.windowMinutes.json,
            "slots": .array(
                offer.slots.map {
                    [
                        "start": zone.rfc3339($0.window.start).json, "end": zone.rfc3339($0.window.end).json, "grade": $0.grade.json,
                        "added": $0.added.json,
                    ]
                }),
            "closed": .array(
                offer.closed.map {
                    [
                        "start": zone.rfc3339($0.window.start).json, "end": zone.rfc3339($0.window.end).json, "reason": $0.reason.json,
                        "detail": $0.detail.json,
                    ]
                }),
        ]
    }

    /// `POST /v1/orders/{id}/booking {"offer": ID, "start": T}`: the window of the offer booked
    /// under the day lock; 409 `slot-taken`, with fresh alternatives, when another booking took
    /// the room meanwhile.
    func book(_ id: String, _ body: ByteBuffer, by principal: Principal) async throws -> Answer {
        let fields = try Self.fields(body, allowed: ["offer", "start"])
        guard let offer = fields["offer"]?.string else { throw Problem.invalid("offer: the id a slot offer answered") }
        guard let text = fields["start"]?.string, let start = parseRFC3339(text) else {
            throw Problem.invalid("start: the start of an offered window, as the offer wrote it (2026-11-23T09:00:00+08:00)")
        }
        do {
            _ = try await operations.book(offer: offer, order: id, start: start, actor: principal.subject)
        } catch let refusal as OperationError where refusal.slug == "slot-taken" {
            let stored = try await operations.offer(offer)
            var problem = Problem(
                .conflict, "slot-taken", "Slot taken",
                "another booking took the room in this window meanwhile; `alternatives` offers the windows that can be kept now")
            let fresh = try await operations.offerSlots(
                order: id, days: 7, windowMinutes: stored?.windowMinutes ?? 120, client: principal.subject)
            problem.extensions["alternatives"] = Self.document(fresh)
            throw problem
        }
        return Answer(body: try await operations.orderView(id).document)
    }
}
