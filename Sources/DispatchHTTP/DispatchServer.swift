import Crypto
import DispatchOperations
import DispatchStore
import Foundation
import Hummingbird
import Logging
import SchedulingCore

/// The technicians' HTTP API over the application layer (docs/technicians.md; the
/// contract is `openapi.yaml`, served at `/openapi.yaml`).
public struct DispatchServer: Sendable {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        /// Requests per second each token may make on average, and at once.
        public var ratePerSecond: Double
        public var burst: Double
        /// Days in the calendar feed, today included.
        public var feedDays: Int
        /// A connection that sends nothing for this long (idle between requests, or stalled
        /// inside a request's headers or body) is closed.
        public var idleTimeoutSeconds: Int64 = 30
        /// Connections open at once; past it, new ones wait in the listen backlog until one closes
        /// (they are not accepted and then dropped, and the server does not spin).
        public var maxConnections = 512
        /// A request body must arrive whole within this time (a body trickled a byte at a time is
        /// never idle long enough for `idleTimeoutSeconds`): then 408 and the connection closed.
        public var bodySeconds = 10.0
        /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` say who the client is; the
        /// failed-authentication limit is kept per client, not per proxy.
        public var trustedProxies = TrustedProxies()
        /// How long the board's "Re-plan" searches before it shows the proposal.
        public var replanSeconds = 5.0
        /// A map tile server for the board's map (`{z}/{x}/{y}` in the URL), nil: the routes are
        /// drawn on a plain background.
        public var mapTiles: String?

        public init(host: String = "127.0.0.1", port: Int = 8080, ratePerSecond: Double = 10, burst: Double = 30, feedDays: Int = 8) {
            self.host = host
            self.port = port
            self.ratePerSecond = ratePerSecond
            self.burst = burst
            self.feedDays = feedDays
        }
    }

    let operations: DispatchOperations
    let settings: Settings
    let logger: Logger
    let limiter: RateLimiter
    /// Failed authentications per client address: 10 at once, then one every 6 seconds.
    let failures = RateLimiter(perSecond: 1.0 / 6, burst: 10)

    /// The feed's last number and the day streams waiting on it.
    let eventWatch: EventWatch
    /// Re-plans computed on the board, waiting to be published or discarded.
    let drafts = ReplanDrafts()

    /// `notifiedCommits`: the server learns of commits by notification (PostgreSQL LISTEN, fed
    /// to `notified(_:)`), so it reads the feed's number only every 5 s as a safety net; else
    /// every 250 ms while a day's stream waits.
    public init(operations: DispatchOperations, settings: Settings, logger: Logger, notifiedCommits: Bool = false) {
        self.operations = operations
        self.settings = settings
        self.logger = logger
        limiter = RateLimiter(perSecond: settings.ratePerSecond, burst: settings.burst)
        eventWatch = EventWatch(operations: operations, pollInterval: notifiedCommits ? .seconds(5) : .milliseconds(250))
    }

    /// A commit notification's payload (the feed's last number), or nil when the listener
    /// (re)connected and may have missed some.
    public func notified(_ payload: String?) { eventWatch.notified(payload) }

    /// The application; `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: APIContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: ProblemMiddleware())
        // Every GET route answers HEAD too: the same status and headers, no body.
        func get(_ path: RouterPath, _ handler: @escaping @Sendable (Request, APIContext) async throws -> Response) {
            router.get(path, use: handler)
            router.head(path) { request, context in
                var response = try await handler(request, context)
                response.body = .init()
                return response
            }
        }
        get("/healthz") { _, _ in try Self.json(["status": "ok"]) }
        get("/readyz") { _, _ in
            do {
                try await operations.ping()
            } catch {
                throw Problem(.serviceUnavailable, "not-ready", "Not ready", "the database does not answer")
            }
            return try Self.json(["status": "ready"])
        }
        get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
        get("/v1/me/agenda") { request, context in
            let principal = try await authenticate(request, context, as: .technician)
            return try await agenda(of: principal.subject, request)
        }
        get("/v1/technicians/:id/agenda") { request, context in
            _ = try await authenticate(request, context, as: .dispatcher)
            let id = try context.parameters.require("id")
            return try await agenda(of: id, request)
        }
        get("/v1/me/calendar.ics") { request, context in try await calendar(request, context) }
        get("/v1/orders/:id") { request, context in
            _ = try await authenticate(request, context, scope: .ordersRead)
            return try await order(try context.parameters.require("id"))
        }
        router.put("/v1/orders/:id") { request, context in
            let principal = try await authenticate(request, context, scope: .ordersWrite)
            let id = try context.parameters.require("id")
            let body = try await jsonBody(request, context, limit: context.maxUploadSize)
            return try await idempotent(request, principal, body: body) { try await putOrder(id, body, by: principal, request) }
        }
        router.post("/v1/orders:bulk") { request, context in
            let principal = try await authenticate(request, context, scope: .ordersWrite)
            let body = try await jsonBody(request, context, limit: Self.bulkBodyLimit)
            return try await idempotent(request, principal, body: body) { try await putOrders(body, by: principal, request) }
        }
        router.post("/v1/orders/:id/slot-offers") { request, context in
            let principal = try await authenticate(request, context, scope: .booking)
            let id = try context.parameters.require("id")
            let body = try await jsonBody(request, context, limit: context.maxUploadSize)
            return try await idempotent(request, principal, body: body) { try await offerSlots(id, body, by: principal) }
        }
        router.post("/v1/orders/:id/booking") { request, context in
            let principal = try await authenticate(request, context, scope: .booking)
            let id = try context.parameters.require("id")
            let body = try await jsonBody(request, context, limit: context.maxUploadSize)
            return try await idempotent(request, principal, body: body) { try await book(id, body, by: principal) }
        }
        get("/v1/events") { request, context in
            _ = try await authenticate(request, context, scope: .eventsRead)
            return try await events(request)
        }
        router.delete("/v1/orders/:id") { request, context in
            let principal = try await authenticate(request, context, scope: .ordersWrite)
            let id = try context.parameters.require("id")
            return try await idempotent(request, principal) { try await cancel(id, by: principal, request) }
        }
        get("/v1/days/:date/stream") { request, context in
            _ = try await authenticate(request, context, as: .dispatcher)
            let text = try context.parameters.require("date")
            guard let day = LocalDate(iso: text) else { throw Problem.badRequest("date '\(text)' is not of the form YYYY-MM-DD") }
            return try await dayStream(day, request)
        }
        // The technician's page (docs/browser.md).
        for path in Self.pageFiles.keys { get(RouterPath(stringLiteral: path)) { _, _ in pageFile(path) } }
        get("/t/session") { request, context in try await session(request, context) }
        router.post("/t/session") { request, context in try await signIn(request, context) }
        router.post("/t/signout") { request, context in try await signOut(request, context) }
        // The dispatcher's live board (docs/browser.md).
        get("/board/session") { request, context in try await deskSession(request, context) }
        router.post("/board/session") { request, context in try await deskSignIn(request, context) }
        router.post("/board/signout") { request, context in try await deskSignOut(request, context) }
        get("/board/day") { request, context in try await boardDay(request, context) }
        get("/board/explain") { request, context in try await boardExplain(request, context) }
        router.post("/board/replan") { request, context in try await replanDraft(request, context) }
        router.post("/board/replan/:id/publish") { request, context in
            try await replanPublish(try context.parameters.require("id"), request, context)
        }
        router.delete("/board/replan/:id") { request, context in
            try await replanDiscard(try context.parameters.require("id"), request, context)
        }
        router.post("/v1/orders/:id/changes") { request, context in
            let principal = try await authenticate(request, context, as: .dispatcher)
            return try await changeOrder(try context.parameters.require("id"), by: principal, request, context)
        }
        router.post("/v1/technicians/:id/absence") { request, context in
            let principal = try await authenticate(request, context, as: .dispatcher)
            return try await recordAbsence(try context.parameters.require("id"), by: principal, request, context)
        }
        router.post("/v1/me/orders/:id/delay") { request, context in
            let principal = try await authenticate(request, context, as: .technician)
            return try await reportDelay(try context.parameters.require("id"), by: principal, request, context)
        }
        router.post("/v1/me/orders/:id/status") { request, context in
            let principal = try await authenticate(request, context, as: .technician)
            return try await reportStatus(try context.parameters.require("id"), by: principal, request, context)
        }
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(settings.idleTimeoutSeconds))),
            configuration: .init(
                address: .hostname(settings.host, port: settings.port), serverName: "fielddispatch",
                availableConnectionsDelegate: .maximum(settings.maxConnections, logger: logger)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// The methods a path of this API answers (HEAD wherever GET is), or nil for an unknown path.
    static func methods(of path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        switch parts.count {
        case 1 where ["healthz", "readyz", "openapi.yaml", "t", "board"].contains(parts[0]): return ["GET", "HEAD"]
        case 2 where parts[0] == "board" && parts[1] == "session": return ["GET", "HEAD", "POST"]
        case 2 where parts[0] == "board" && parts[1] == "signout": return ["POST"]
        case 2 where parts[0] == "board" && (["day", "explain"].contains(parts[1]) || pageFiles["/board/\(parts[1])"] != nil):
            return ["GET", "HEAD"]
        case 2 where parts[0] == "board" && parts[1] == "replan": return ["POST"]
        case 3 where parts[0] == "board" && parts[1] == "replan": return ["DELETE"]
        case 4 where parts[0] == "board" && parts[1] == "replan" && parts[3] == "publish": return ["POST"]
        case 2 where parts[0] == "t" && parts[1] == "session": return ["GET", "HEAD", "POST"]
        case 2 where parts[0] == "t" && parts[1] == "signout": return ["POST"]
        case 2 where parts[0] == "t" && pageFiles["/t/\(parts[1])"] != nil: return ["GET", "HEAD"]
        case 2 where parts[0] == "v1" && parts[1] == "events": return ["GET", "HEAD"]
        case 2 where parts[0] == "v1" && parts[1] == "orders:bulk": return ["POST"]
        case 3 where parts[0] == "v1" && parts[1] == "me" && (parts[2] == "agenda" || parts[2] == "calendar.ics"): return ["GET", "HEAD"]
        case 3 where parts[0] == "v1" && parts[1] == "orders": return ["GET", "HEAD", "PUT", "DELETE"]
        case 4 where parts[0] == "v1" && parts[1] == "technicians" && parts[3] == "agenda": return ["GET", "HEAD"]
        case 4 where parts[0] == "v1" && parts[1] == "days" && parts[3] == "stream": return ["GET", "HEAD"]
        case 4 where parts[0] == "v1" && parts[1] == "orders" && ["slot-offers", "booking", "changes"].contains(parts[3]): return ["POST"]
        case 4 where parts[0] == "v1" && parts[1] == "technicians" && parts[3] == "absence": return ["POST"]
        case 5 where parts[0] == "v1" && parts[1] == "me" && parts[2] == "orders" && (parts[4] == "status" || parts[4] == "delay"):
            return ["POST"]
        default: return nil
        }
    }

    // MARK: Authentication

    /// The principal of the request's bearer token, which must be of `kind`; 401 without a
    /// valid token, 403 for the wrong kind, 429 past the token's rate.
    func authenticate(_ request: Request, _ context: APIContext, as kind: TokenKind) async throws -> Principal {
        let principal = try await bearer(request, context, cookie: Self.cookieName(for: kind))
        guard principal.kind == kind else {
            switch principal.kind {
            case .feed: throw Problem.unauthorized("a calendar feed token opens the calendar feed and nothing else")
            case .dispatcher: throw Problem.forbidden("a dispatcher has no agenda of their own: use /v1/technicians/{id}/agenda")
            case .technician: throw Problem.forbidden("this needs a dispatcher's token")
            case .client:
                throw Problem.forbidden("an integration client's token opens the /v1/orders and /v1/events routes its scopes name")
            }
        }
        return principal
    }

    /// The principal of the request's bearer token, admitted by its rate; 401 without a valid
    /// token (a feed token included: it is not a bearer token), 429 past the token's rate.
    func bearer(_ request: Request, _ context: APIContext, cookie name: String = sessionCookie) async throws -> Principal {
        let token: String
        if let header = request.headers[.authorization] {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
                throw Problem.unauthorized("send the token as 'Authorization: Bearer TOKEN' (dispatch technicians token ID)")
            }
            token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let cookie = request.cookies[name]?.value, !cookie.isEmpty {
            // The technician's page or the live board: the browser's session cookie, and on
            // anything but a read the CSRF token its page holds (another site cannot send it).
            if request.method != .get, request.method != .head,
                !Secrets.equal(request.headers[.csrfToken] ?? "", Self.csrfToken(for: cookie))
            {
                throw Problem.forbidden("a change made from a page carries its X-CSRF-Token (GET /t/session or /board/session gives it)")
            }
            token = cookie
        } else {
            throw Problem.unauthorized("send the token as 'Authorization: Bearer TOKEN' (dispatch technicians token ID)")
        }
        guard let principal = try await verified(token, request, context) else {
            throw Problem.unauthorized("the token is unknown or revoked")
        }
        context.identity.principal = principal
        try await admit(principal)
        if principal.kind == .feed { throw Problem.unauthorized("a calendar feed token opens the calendar feed and nothing else") }
        return principal
    }

    /// The principal of a presented token, or nil. A client address whose tokens keep failing
    /// is refused with 429 for a while before its next token is even looked at (guessing is slow).
    func verified(_ token: String, _ request: Request, _ context: APIContext) async throws -> Principal? {
        let client = settings.trustedProxies.client(peer: context.clientAddress, headers: request.headers)
        if let wait = await failures.peek(client) {
            var problem = Problem(
                .tooManyRequests, "rate-limited", "Too many requests",
                "too many failed authentications from this address; try again in \(wait) s")
            problem.headers[.retryAfter] = String(wait)
            throw problem
        }
        let principal = try await operations.authenticate(token)
        if principal == nil { _ = await failures.admit(client) }
        return principal
    }

    func admit(_ principal: Principal) async throws {
        if let wait = await limiter.admit(principal.tokenID) {
            var problem = Problem(
                .tooManyRequests, "rate-limited", "Too many requests",
                "this token may make \(Int(settings.ratePerSecond)) requests a second; try again in \(wait) s")
            problem.headers[.retryAfter] = String(wait)
            throw problem
        }
    }

    // MARK: Routes

    func agenda(of technician: String, _ request: Request) async throws -> Response {
        // Without ?date: today where the operator works (the technician's page asks so).
        let date: LocalDate
        if let text = request.uri.queryParameters.get("date") {
            guard let given = LocalDate(iso: String(text)) else { throw Problem.badRequest("date '\(text)' is not of the form YYYY-MM-DD") }
            date = given
        } else {
            date = try await operations.today()
        }
        let agenda = try await operations.agenda(technician: technician, date: date)
        let body = try AgendaDocument.json(agenda)
        let tag = "\"" + SHA256.hash(data: body).prefix(16).hexDigits + "\""
        var headers: HTTPFields = [.eTag: tag, .cacheControl: "private, no-cache"]
        if let match = request.headers[.ifNoneMatch], EntityTags.weakly(match, match: tag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func calendar(_ request: Request, _ context: APIContext) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token") else {
            throw Problem.unauthorized(
                "subscribe with the feed URL that 'dispatch technicians token ID --feed' makes (…?token=FEEDTOKEN)")
        }
        guard let principal = try await verified(String(token), request, context), principal.kind == .feed else {
            throw Problem.unauthorized("the feed token is unknown or revoked")
        }
        context.identity.principal = principal
        try await admit(principal)
        let now = operations.clock.now()
        let entries = try await operations.calendar(technician: principal.subject, from: nil, days: settings.feedDays)
        let text = ICalendarFeed.render(technician: principal.subject, entries: entries, now: now)
        return Response(
            status: .ok, headers: [.contentType: "text/calendar; charset=utf-8", .cacheControl: "private, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func reportStatus(_ id: String, by principal: Principal, _ request: Request, _ context: APIContext) async throws -> Response {
        let bytes = try await jsonBody(request, context, limit: context.maxUploadSize)
        let body = try StatusBody.parse(bytes)
        return try await idempotent(request, principal, body: bytes) {
            guard try await operations.ownOrder(id, technician: principal.subject) != nil else {
                throw Problem.notFound("no order '\(id)' among your visits")
            }
            let change = try await operations.setStatus(
                order: id, to: body.state, reason: body.reason, details: body.details,
                actor: principal.subject)
            let answer: JSONValue = [
                "order": id.json, "from": change.from.rawValue.json, "to": change.to.rawValue.json, "callback": change.callback.json,
                "plan_version": (change.reaction ?? change.publish)?.version.json ?? .null,
                "reaction_refused": change.reactionRefused.json,
            ]
            return Answer(body: answer)
        }
    }

    /// `POST /v1/me/orders/{id}/delay {"minutes"}`: the technician runs late for one of their
    /// visits; the desk's `delay` operation re-plans it and the visits after it.
    func reportDelay(_ id: String, by principal: Principal, _ request: Request, _ context: APIContext) async throws -> Response {
        let bytes = try await jsonBody(request, context, limit: context.maxUploadSize)
        guard let object = (try? JSONValue(parsing: Data(bytes.readableBytesView)))?.object else {
            throw Problem.badRequest("the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "minutes" }) {
            throw Problem.invalid("unknown field '\(unknown)'; the body is {\"minutes\": N}")
        }
        guard let number = object["minutes"]?.double, number == number.rounded(), (1...720).contains(number) else {
            throw Problem.invalid("field 'minutes' is required: a whole number of minutes from 1 to 720")
        }
        return try await idempotent(request, principal, body: bytes) {
            guard try await operations.ownOrder(id, technician: principal.subject) != nil else {
                throw Problem.notFound("no order '\(id)' among your visits")
            }
            let outcome = try await operations.delay(order: id, minutes: Int(number), actor: principal.subject)
            let answer: JSONValue = [
                "order": id.json, "day": outcome.day.description.json, "plan_version": outcome.version.json,
                "rebooked": .array(outcome.rebooked.map(\.json)), "unassigned": .array(outcome.unassigned.map(\.json)),
                "notices_queued": outcome.noticesQueued.json,
            ]
            return Answer(body: answer)
        }
    }

    /// A document built as a `JSONValue`: its text, keys sorted.
    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.text())))
    }

    static func json(_ object: some Encodable) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try jsonData(object))))
    }

    /// The server's JSON: keys sorted, so the same answer is the same bytes.
    static func jsonData(_ object: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(object)
    }
}
