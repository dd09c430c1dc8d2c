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
        return Self.json(view.document)
    }

    /// `DELETE /v1/orders/{id}?reason=…`: the order is cancelled by the client, as `dispatch status
    /// ID --set cancelled` cancels it (its visit leaves the plan, its notices are withdrawn); the
    /// answer is the order as it is then. An order already cancelled is answered as it is (a
    /// DELETE repeated changes nothing); one past cancelling (completed, say) is 422 with why.
    func cancel(_ id: String, by principal: Principal, _ request: Request) async throws -> Answer {
        let reason = request.uri.queryParameters.get("reason") ?? "cancelled by \(principal.subject)"
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty, reason.count <= 500 else {
            throw Problem.badRequest("reason: 1 to 500 characters")
        }
        return Answer(body: try await operations.cancel(order: id, reason: reason, actor: principal.subject).document)
    }

    /// `GET /v1/events?after=CURSOR&limit=N`: the event feed after the cursor (from the oldest
    /// kept without one), CloudEvents envelopes in commit order, and the cursor to go on from.
    func events(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var after: Int?
        if let text = query.get("after") {
            guard let number = Int(text), number >= 0 else { throw Problem.badRequest("after: a cursor is a number a page's 'next' gave") }
            after = number
        }
        var limit = 100
        if let text = query.get("limit") {
            guard let number = Int(text) else {
                throw Problem.badRequest("limit: a number of events, 1 to \(DispatchOperations.feedPageLimit)")
            }
            limit = number
        }
        let page = try await operations.events(after: after, limit: limit)
        let document: JSONValue = ["events": .array(page.events.map(\.cloudEvent)), "next": String(page.next).json]
        return Self.json(document)
    }
}

extension ClientScope {
    /// Whether a token carrying this scope may do what `needed` allows: changing orders or
    /// booking them includes reading them.
    func includes(_ needed: ClientScope) -> Bool {
        self == needed || (needed == .ordersRead && (self == .ordersWrite || self == .booking))
    }
}
