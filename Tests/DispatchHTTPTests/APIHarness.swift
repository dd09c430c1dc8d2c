import DispatchHTTP
import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A planned fixture day served by a real `DispatchServer`, with a token of every role: in
/// process through Hummingbird's test client (the router and every middleware, no socket), or,
/// where the socket is the point (clients told apart by address, trickled bodies, idle
/// connections), on a loopback port. (Sendable unchecked: the test database's own connection is
/// used by the test body alone, one request at a time.)
struct APIHarness: @unchecked Sendable {
    let database: TestDatabase
    let operations: DispatchOperations
    let clock: TestClock
    /// The loopback port (`.socket` only).
    var port = 0
    var task: Task<Void, any Error>?
    /// The in-process client (`.inProcess` only).
    var client: (any TestClientProtocol)?
    let tokens: [Role: String]

    /// How requests reach the server.
    enum Transport: Sendable {
        case inProcess, socket
    }

    /// Who a request speaks for.
    enum Role: String, CaseIterable, CustomStringConvertible, Sendable {
        case none, revoked, technician, otherTechnician, feed, dispatcher
        /// An integration client with orders:write; another with events:read alone; the call centre (booking).
        case client, eventsClient, callCentre
        var description: String { rawValue }
    }

    /// The technician whose day the tests look at, and another one.
    static let me = "T1"
    static let other = "T2"

    /// The fixture day planned and published, the tokens issued, and the server built.
    static func prepare(
        _ database: TestDatabase, ratePerSecond: Double, burst: Double?, idleTimeoutSeconds: Int64,
        configure: (inout DispatchServer.Settings) -> Void
    ) async throws -> (APIHarness, DispatchServer) {
        _ = try await database.store.migrate()
        var day = OperationFixtures.day()
        day.orders[0].notes = "Gate code 4711"
        _ = try await database.store.importScenario(day)
        let clock = TestClock("2026-11-22T10:00:00+08:00")
        let operations = DispatchOperations(store: database.store, clock: clock)
        try await OperationFixtures.planAndPublish(operations)
        var tokens: [Role: String] = [:]
        tokens[.revoked] = try await operations.issueToken(.technician, for: me)
        _ = try await operations.revokeTokens(.technician, for: me)
        tokens[.technician] = try await operations.issueToken(.technician, for: me)
        tokens[.otherTechnician] = try await operations.issueToken(.technician, for: other)
        tokens[.feed] = try await operations.issueToken(.feed, for: me)
        tokens[.dispatcher] = try await operations.issueToken(.dispatcher, for: "anna")
        tokens[.client] = try await operations.issueClientToken("order-system", scopes: [.ordersWrite])
        tokens[.eventsClient] = try await operations.issueClientToken("care-feed", scopes: [.eventsRead])
        tokens[.callCentre] = try await operations.issueClientToken("call-centre", scopes: [.booking])
        clock.set("2026-11-23T07:00:00+08:00")

        var logger = Logger(label: "test.http")
        logger.logLevel = .warning
        var settings = DispatchServer.Settings(port: 0, ratePerSecond: ratePerSecond, burst: burst ?? ratePerSecond)
        settings.idleTimeoutSeconds = idleTimeoutSeconds
        configure(&settings)
        let server = DispatchServer(operations: operations, settings: settings, logger: logger)
        return (APIHarness(database: database, operations: operations, clock: clock, tokens: tokens), server)
    }

    func stop() { task?.cancel() }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    /// One request as `role` (a bearer header, or for the calendar the feed URL's token).
    func request(
        _ method: String, _ path: String, as role: Role = .technician, body: Data? = nil,
        contentType: String? = "application/json", headers: [String: String] = [:]
    ) async throws -> Reply {
        var path = path
        if path.hasPrefix("/v1/me/calendar.ics"), role != .none, let token = tokens[role] {
            path += (path.contains("?") ? "&" : "?") + "token=" + token
        }
        if let client {
            var fields = HTTPFields()
            if !path.hasPrefix("/v1/me/calendar.ics"), role != .none, let token = tokens[role] {
                fields[.authorization] = "Bearer \(token)"
            }
            if body != nil, let contentType { fields[.contentType] = contentType }
            for (name, value) in headers {
                guard let field = HTTPField.Name(name) else { continue }
                fields[field] = value
            }
            let method = HTTPRequest.Method(rawValue: method) ?? .get
            let response = try await client.executeRequest(
                uri: path, method: method, headers: fields, body: body.map { ByteBuffer(bytes: $0) })
            var replyHeaders: [String: String] = [:]
            for field in response.headers { replyHeaders[field.name.canonicalName] = field.value }
            return Reply(status: response.status.code, headers: replyHeaders, body: Data(response.body.readableBytesView))
        }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if !path.hasPrefix("/v1/me/calendar.ics"), role != .none, let token = tokens[role] {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { fields["\(name)"] = "\(value)" }
        return Reply(status: http?.statusCode ?? 0, headers: fields, body: data)
    }

    func post(_ path: String, json: String, as role: Role = .technician) async throws -> Reply {
        try await request("POST", path, as: role, body: Data(json.utf8))
    }

    /// Runs `body` against a fresh harness on `backend`, always stopping the server.
    static func with(
        _ backend: Backend, transport: Transport = .inProcess, ratePerSecond: Double = 1000, burst: Double? = nil,
        idleTimeoutSeconds: Int64 = 30, configure: (inout DispatchServer.Settings) -> Void = { _ in },
        _ body: @escaping @Sendable (APIHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.with(backend) { database in
            var (harness, server) = try await prepare(
                database, ratePerSecond: ratePerSecond, burst: burst, idleTimeoutSeconds: idleTimeoutSeconds, configure: configure)
            switch transport {
            case .inProcess:
                let prepared = harness
                try await server.application().test(.router) { client in
                    var harness = prepared
                    harness.client = client
                    try await body(harness)
                }
            case .socket:
                let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
                let app = server.application { port in continuation.yield(port) }
                harness.task = Task { try await app.run() }
                for await bound in stream {
                    harness.port = bound
                    break
                }
                do {
                    try await body(harness)
                } catch {
                    harness.stop()
                    throw error
                }
                harness.stop()
            }
        }
    }
}
