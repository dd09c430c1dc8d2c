import DispatchOperations
import DispatchStore
import Foundation
import Hummingbird
import ScenarioFormat
import SchedulingCore

/// The integration clients' routes (docs/integration.md): the order system and the call centre,
/// each with a client token carrying the scopes it needs.
extension DispatchServer {
    /// The principal of the request's client token, which must carry `scope` (or a scope that
    /// includes it); 401 without a valid token, 403 for another kind of token or without the scope.
    func authenticate(_ request: Request, _ context: APIContext, scope: ClientScope) async throws -> Principal {
        let principal = try await bearer(request, context)
        guard principal.kind == .client else {
            throw Problem.forbidden(
                "this needs an integration client's token with the scope '\(scope.rawValue)' "
                    + "(dispatch clients token NAME --scope \(scope.rawValue))")
        }
        guard principal.scopes.contains(where: { $0.includes(scope) }) else {
            throw Problem.forbidden(
                "the token of client '\(principal.subject)' lacks the scope '\(scope.rawValue)' (it carries: "
                    + "\(ClientScope.text(principal.scopes).replacingOccurrences(of: " ", with: ", ")))")
        }
        return principal
    }

    /// `GET /v1/orders/{id}`: the order's state, its planned visit and its history.
    func order(_ id: String) async throws -> Response {
        let view = try await operations.orderView(id)
        return Self.json(Self.orderDocument(view))
    }

    /// `DELETE /v1/orders/{id}?reason=…`: the order is cancelled by the client, as `dispatch status
    /// ID --set cancelled` cancels it (its visit leaves the plan, its notices are withdrawn); the
    /// answer is the order as it is then. An order already cancelled is answered as it is (a
    /// DELETE repeated changes nothing); one past cancelling (completed, say) is 422 with why.
    func cancel(_ id: String, by principal: Principal, _ request: Request) async throws -> Response {
        let reason = request.uri.queryParameters.get("reason") ?? "cancelled by \(principal.subject)"
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty, reason.count <= 500 else {
            throw Problem.badRequest("reason: 1 to 500 characters")
        }
        return Self.json(Self.orderDocument(try await operations.cancel(order: id, reason: reason, actor: principal.subject)))
    }

    /// An order as the API answers it (openapi.yaml, `Order`).
    static func orderDocument(_ view: OrderView) -> JSONValue {
        let zone = view.zone
        let order = view.order
        let window: JSONValue =
            order.order.window.map { ["start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json] } ?? .null
        let visit: JSONValue =
            view.visit.map {
                [
                    "technician": $0.technician.json, "start": zone.rfc3339($0.start).json, "end": zone.rfc3339($0.end).json,
                    "contact": $0.contact.json,
                ]
            } ?? .null
        return [
            "id": order.order.id.json, "state": order.state.rawValue.json, "day": order.serviceDay.description.json,
            "type": order.order.type.rawValue.json, "service": order.order.service.rawValue.json, "group": order.order.group.json,
            "window": window, "visit": visit, "history": .array(view.history.map { $0.json(in: zone) }),
        ]
    }
}

extension ClientScope {
    /// Whether a token carrying this scope may do what `needed` allows: changing orders or
    /// booking them includes reading them.
    func includes(_ needed: ClientScope) -> Bool {
        self == needed || (needed == .ordersRead && (self == .ordersWrite || self == .booking))
    }
}
