import DispatchHTTP
import DispatchOperations
import DispatchStore
import DispatchTestSupport
import Foundation
import Logging
import SchedulingCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A planned fixture day served by a real `DispatchServer` on a loopback port, with a token of
/// every role.
struct APIHarness {
    let database: TestDatabase
    let operations: DispatchOperations
    let clock: TestClock
    let port: Int
    let task: Task<Void, any Error>
    let tokens: [Role: String]

    /// Who a request speaks for.
    enum Role: String, CaseIterable, CustomStringConvertible, Sendable {
        case none, revoked, technician, otherTechnician, feed, dispatcher
        var description: String { rawValue }
    }

    /// The technician whose day the tests look at, and another one.
    static let me = "T1"
    static let other = "T2"

    static func start(
        _ database: TestDatabase, ratePerSecond: Double = 1000, burst: Double? = nil,
        idleTimeoutSeconds: Int64 = 30, configure: (inout DispatchServer.Settings) -> Void = { _ in }
    ) async throws -> APIHarness {
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
        clock.set("2026-11-23T07:00:00+08:00")

        var logger = Logger(label: "test.http")
        logger.logLevel = .warning
        var settings = DispatchServer.Settings(port: 0, ratePerSecond: ratePerSecond, burst: burst ?? ratePerSecond)
        settings.idleTimeoutSeconds = idleTimeoutSeconds
        configure(&settings)
        let server = DispatchServer(operations: operations, settings: settings, logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.application { port in continuation.yield(port) }
        let task = Task { try await app.run() }
        var port = 0
        for await bound in stream {
            port = bound
            break
        }
        return APIHarness(database: database, operations: operations, clock: clock, port: port, task: task, tokens: tokens)
    }

    func stop() { task.cancel() }

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
        _ backend: Backend, ratePerSecond: Double = 1000, burst: Double? = nil, idleTimeoutSeconds: Int64 = 30,
        configure: (inout DispatchServer.Settings) -> Void = { _ in }, _ body: (APIHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.with(backend) { database in
            let harness = try await start(
                database, ratePerSecond: ratePerSecond, burst: burst, idleTimeoutSeconds: idleTimeoutSeconds, configure: configure)
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
