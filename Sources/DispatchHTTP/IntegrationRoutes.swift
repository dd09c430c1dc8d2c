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
        var response = Self.json(view.document)
        response.headers[.eTag] = view.entityTag
        return response
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

    /// `PUT /v1/orders/{id}`: the order created (201) or updated (200) from one order as a
    /// scenario file's `orders:` list holds it, plus `day`; `If-Match` / `If-None-Match: *` guard
    /// against a stale copy (412). The answer is the order, with its `ETag`, and where the
    /// published plan of its day put it.
    func putOrder(_ id: String, _ body: ByteBuffer, by principal: Principal, _ request: Request) async throws -> Answer {
        var preconditions = OrderPreconditions()
        if let header = request.headers[.ifMatch] {
            preconditions.ifMatch = EntityTags.list(header)
        }
        if let header = request.headers[.ifNoneMatch] {
            guard header.trimmingCharacters(in: .whitespaces) == "*" else {
                throw Problem.badRequest("If-None-Match on a PUT takes only '*' (create the order only if it does not exist)")
            }
            preconditions.ifNoneMatchAny = true
        }
        let put = try await operations.putOrder(
            id: id, body: String(decoding: body.readableBytesView, as: UTF8.self), preconditions: preconditions,
            actor: principal.subject)
        var headers: HTTPFields = [.eTag: put.view.entityTag]
        if put.created { headers[.location] = "/v1/orders/\(id)" }
        return Answer(status: put.created ? .created : .ok, body: Self.document(put), headers: headers)
    }

    /// Largest body of a bulk request: a thousand orders of up to 2 KiB each.
    static let bulkBodyLimit = 2 * 1024 * 1024

    /// `POST /v1/orders:bulk {"orders": [...]}`: up to 1,000 orders, each stored or refused on
    /// its own (all or nothing per order, never per batch); the answer lists each order's result
    /// in the order sent: its status (201, 200, 409, 412, 422) and the order or the problem.
    func putOrders(_ body: ByteBuffer, by principal: Principal, _ request: Request) async throws -> Answer {
        guard let items = (try? JSONValue(parsing: Data(body.readableBytesView)))?.object?["orders"]?.array else {
            throw Problem.badRequest("the body is {\"orders\": [ORDER, …]}: each ORDER as PUT /v1/orders/{id} takes it")
        }
        guard items.count <= DispatchOperations.bulkLimit else {
            var problem = Problem(
                .contentTooLarge, "too-many-orders", "Too many orders",
                "at most \(DispatchOperations.bulkLimit) orders in one request (\(items.count) sent); send them in several")
            problem.headers[.connection] = "close"
            throw problem
        }
        let orders = items.map { BulkOrder(id: $0.object?["id"]?.string ?? "", body: $0.text()) }
        let results = try await operations.putOrders(orders, actor: principal.subject)
        let listed: [JSONValue] = zip(orders, results).map { item, result in
            switch result {
            case .success(let put):
                return ["id": item.id.json, "status": (put.created ? 201 : 200).json, "order": Self.document(put)]
            case .failure(let refusal):
                let problem = Problem.from(refusal)
                let document = (try? JSONValue(parsing: Data(problem.text(instance: request.uri.path).utf8))) ?? .null
                return ["id": item.id.json, "status": Int(problem.status.code).json, "problem": document]
            }
        }
        return Answer(body: ["results": .array(listed)])
    }

    /// An order as a PUT answers it: the order, and where the published plan of its day put it.
    static func document(_ put: OrderPut) -> JSONValue {
        var document = put.view.document.object ?? [:]
        var placement: [String: JSONValue]
        if !put.dayPublished {
            placement = [
                "status": "waiting",
                "detail": "\(put.view.order.serviceDay) has no published plan yet: the order is planned with its day".json,
            ]
        } else if put.view.visit != nil {
            placement = ["status": "planned"]
        } else if let unassigned = put.unassigned {
            placement = ["status": "unassigned", "code": unassigned.code.rawValue.json, "detail": unassigned.reason.json]
        } else {
            placement = ["status": "unplanned", "detail": "the order is \(put.view.order.state): it has no visit in the plan".json]
        }
        placement["plan_version"] = put.version?.json ?? .null
        document["placement"] = .object(placement)
        return .object(document)
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
        return Self.json(feedPageDocument(page.events, next: page.next))
    }
}

extension ClientScope {
    /// Whether a token carrying this scope may do what `needed` allows: changing orders or
    /// booking them includes reading them.
    func includes(_ needed: ClientScope) -> Bool {
        self == needed || (needed == .ordersRead && (self == .ordersWrite || self == .booking))
    }
}
