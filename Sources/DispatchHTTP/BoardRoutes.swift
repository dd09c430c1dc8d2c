import DispatchOperations
import Foundation
import HTTPTypes
import Hummingbird
import SchedulingCore

/// The dispatcher's live board (`/board/`, docs/browser.md): signing a desk in with a
/// dispatcher's token (kept in an HttpOnly cookie), and the day's chart and waiting orders as an
/// HTML fragment the page draws again whenever the day's stream says something changed.
extension DispatchServer {
    /// `POST /board/session {"token"}`: a dispatcher's token, checked and set as the desk's cookie.
    func deskSignIn(_ request: Request, _ context: APIContext) async throws -> Response {
        let body = try await jsonBody(request, context, limit: 4096)
        guard let token = (try? JSONValue(parsing: Data(body.readableBytesView)))?.object?["token"]?.string else {
            throw Problem.invalid("the body is {\"token\": \"fdd_…\"}, a dispatcher's token (dispatch dispatchers token NAME)")
        }
        guard let principal = try await verified(token, request, context) else {
            throw Problem.unauthorized("the token is unknown or revoked")
        }
        guard principal.kind == .dispatcher else { throw Problem.forbidden("the live board opens with a dispatcher's token") }
        context.identity.principal = principal
        var response = Self.json(try await deskDocument(principal, token: token))
        response.headers[.setCookie] = Self.cookie(token, for: request, maxAge: 12 * 3600, name: Self.deskCookie)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `GET /board/session`: the dispatcher the cookie signs in, the CSRF token and today.
    func deskSession(_ request: Request, _ context: APIContext) async throws -> Response {
        guard let token = request.cookies[Self.deskCookie]?.value else {
            throw Problem.unauthorized("this browser is not signed in to the board: POST /board/session with a dispatcher's token")
        }
        let principal = try await authenticate(request, context, as: .dispatcher)
        var response = Self.json(try await deskDocument(principal, token: token))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func deskDocument(_ principal: Principal, token: String) async throws -> JSONValue {
        [
            "dispatcher": principal.subject.json, "csrf": Self.csrfToken(for: token).json,
            "today": try await operations.today().description.json,
        ]
    }

    /// `POST /board/signout`: the desk's cookie cleared (the dispatcher's token stays valid).
    func deskSignOut(_ request: Request, _ context: APIContext) async throws -> Response {
        _ = try await authenticate(request, context, as: .dispatcher)
        var response = Self.json(["signed_out": true] as JSONValue)
        response.headers[.setCookie] = Self.cookie("", for: request, maxAge: 0, name: Self.deskCookie)
        return response
    }

    /// `GET /board/day?date=`: the day's chart and waiting orders, as the page swaps them in.
    func boardDay(_ request: Request, _ context: APIContext) async throws -> Response {
        _ = try await authenticate(request, context, as: .dispatcher)
        guard let text = request.uri.queryParameters.get("date"), let day = LocalDate(iso: String(text)) else {
            throw Problem.badRequest("give the day as ?date=YYYY-MM-DD")
        }
        let board = try await operations.board(day)
        return fragment(BoardPage(board: board).fragment(styled: false, tiles: settings.mapTiles))
    }
}
