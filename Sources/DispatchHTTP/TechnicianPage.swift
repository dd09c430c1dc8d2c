import Crypto
import DispatchOperations
import DispatchStore
import Foundation
import HTTPTypes
import Hummingbird
import SchedulingCore

/// The technician's page (`/t/`, docs/browser.md): its files, the sign-in link's exchange for
/// the phone's session cookie, and signing out. The page reads and reports through the API's
/// own routes (`/v1/me/agenda`, `/v1/me/orders/{id}/status`), authenticated by the cookie, with
/// a CSRF token on every report.
extension DispatchServer {
    /// The session cookie: the device's technician token, never readable by scripts.
    static let sessionCookie = "fd_device"
    /// The live board's session cookie: the dispatcher's token (a desk may hold both).
    static let deskCookie = "fd_desk"

    /// The cookie that signs a browser in as `kind`.
    static func cookieName(for kind: TokenKind) -> String { kind == .dispatcher ? deskCookie : sessionCookie }

    /// The page's files: path, type, bytes.
    static let pageFiles: [String: (type: String, bytes: [UInt8])] = [
        "/t/": ("text/html; charset=utf-8", PackageResources.technician_html),
        "/t/signin": ("text/html; charset=utf-8", PackageResources.signin_html),
        "/t/app.js": ("text/javascript; charset=utf-8", PackageResources.app_js),
        "/t/signin.js": ("text/javascript; charset=utf-8", PackageResources.signin_js),
        "/t/sw.js": ("text/javascript; charset=utf-8", PackageResources.sw_js),
        "/t/app.css": ("text/css; charset=utf-8", PackageResources.app_css),
        "/t/manifest.webmanifest": ("application/manifest+json", PackageResources.manifest_webmanifest),
        "/t/icon.svg": ("image/svg+xml", PackageResources.icon_svg),
        "/board/": ("text/html; charset=utf-8", PackageResources.board_html),
        "/board/board.js": ("text/javascript; charset=utf-8", PackageResources.board_js),
        "/board/board.css": ("text/css; charset=utf-8", PackageResources.board_css),
    ]

    /// What a page may load and run: its own files only (and the map's tiles from `tiles`, a
    /// tile URL), no inline script or style, no frames.
    static func contentSecurityPolicy(tiles: String?) -> String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:\(tileOrigin(tiles).map { " " + $0 } ?? ""); "
            + "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    }

    /// The scheme, host and port of a tile URL (what a Content-Security-Policy names).
    public static func tileOrigin(_ tiles: String?) -> String? {
        guard let tiles, let url = URL(string: tiles.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
            let scheme = url.scheme, scheme == "https" || scheme == "http", let host = url.host
        else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    func pageFile(_ path: String) -> Response {
        guard let file = Self.pageFiles[path] else { return Response(status: .notFound) }
        var headers = pageHeaders
        headers[.contentType] = file.type
        headers[.eTag] = "\"" + SHA256.hash(data: file.bytes).prefix(12).hexDigits + "\""
        // The service worker checks for a new version of each file whenever it is online.
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    var pageHeaders: HTTPFields {
        [
            .contentSecurityPolicy: Self.contentSecurityPolicy(tiles: settings.mapTiles), .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
        ]
    }

    /// `POST /t/session {"code"}`: a sign-in link's code exchanged, once, for the phone's own
    /// technician token, set as an HttpOnly, SameSite=Strict cookie (Secure unless the page is
    /// served on a loopback address); the answer names the technician and the CSRF token.
    func signIn(_ request: Request, _ context: APIContext) async throws -> Response {
        let body = try await jsonBody(request, context, limit: 4096)
        guard let code = (try? JSONValue(parsing: Data(body.readableBytesView)))?.object?["code"]?.string else {
            throw Problem.invalid("the body is {\"code\": \"fds_…\"}, the code of a sign-in link")
        }
        guard let (token, principal) = try await operations.redeemSignIn(code) else {
            _ = await failures.admit(settings.trustedProxies.client(peer: context.clientAddress, headers: request.headers))
            throw Problem.unauthorized("this sign-in link is not one we made; ask the dispatcher for a new one")
        }
        context.identity.principal = principal
        var headers = pageHeaders
        headers[.setCookie] = Self.cookie(token, for: request, maxAge: 400 * 86_400)
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        let answer: JSONValue = ["technician": principal.subject.json, "csrf": Self.csrfToken(for: token).json]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.text())))
    }

    /// `GET /t/session`: who the cookie signs in, and the CSRF token its reports carry.
    func session(_ request: Request, _ context: APIContext) async throws -> Response {
        guard let token = request.cookies[Self.sessionCookie]?.value else {
            throw Problem.unauthorized("this phone is not signed in: open a sign-in link (dispatch technicians token ID --signin)")
        }
        let principal = try await authenticate(request, context, as: .technician)
        var response = Self.json(["technician": principal.subject.json, "csrf": Self.csrfToken(for: token).json] as JSONValue)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// `POST /t/signout`: the phone's token revoked and its cookie cleared.
    func signOut(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await authenticate(request, context, as: .technician)
        _ = try await operations.revokeToken(id: principal.tokenID)
        var response = Self.json(["signed_out": true] as JSONValue)
        response.headers[.setCookie] = Self.cookie("", for: request, maxAge: 0)
        return response
    }

    /// A session cookie (`fd_device`, or `name`) scripts cannot read, sent to this site alone;
    /// Secure unless `request` came to a loopback address.
    static func cookie(_ value: String, for request: Request, maxAge: Int, name: String = sessionCookie) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (isLoopback(request) ? "" : "; Secure")
    }

    /// The token a page's reports must carry beside the cookie: derived from the device's token
    /// (so it needs no storage), never the token itself.
    static func csrfToken(for token: String) -> String {
        SHA256.hash(data: Data("fielddispatch-csrf:\(token)".utf8)).prefix(16).hexDigits
    }

    /// A request to a loopback host (a test, a phone's emulator on the same machine): plain
    /// HTTP there, so its cookie cannot be marked Secure.
    static func isLoopback(_ request: Request) -> Bool {
        let host = (request.head.authority ?? "").lowercased()
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
        return ["localhost", "127.0.0.1", "[::1]"].contains(name)
    }
}

extension HTTPField.Name {
    static let csrfToken = Self("X-CSRF-Token")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
