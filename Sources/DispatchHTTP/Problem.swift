import DispatchOperations
import Foundation
import Hummingbird
import SchedulingCore

/// An RFC 9457 problem details answer (`application/problem+json`): a stable `type` per kind
/// of problem, the HTTP status, a short `title` and a `detail` saying what to do.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let slug: String
    public let title: String
    public let detail: String
    /// Extra headers (e.g. `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields = [:]
    /// Members beside the standard ones (RFC 9457 §3.2): the fields a body got wrong, the
    /// alternatives to a slot taken.
    public var extensions: [String: JSONValue] = [:]

    public init(_ status: HTTPResponse.Status, _ slug: String, _ title: String, _ detail: String) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
    }

    /// The problem document of RFC 9457 as it is sent (docs/http-api.md).
    public struct Document: Codable, Equatable, Sendable {
        public var type: String
        public var title: String
        public var status: Int
        public var detail: String
        public var instance: String
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text(instance: request.uri.path))))
    }

    /// The problem document's text, keys sorted.
    func text(instance: String) -> String {
        var document = extensions
        document["type"] = "urn:fielddispatch:problem:\(slug)".json
        document["title"] = title.json
        document["status"] = Int(status.code).json
        document["detail"] = detail.json
        document["instance"] = instance.json
        return JSONValue.object(document).text()
    }

    static func unauthorized(_ detail: String) -> Problem {
        var problem = Problem(.unauthorized, "unauthorized", "Unauthorized", detail)
        problem.headers[.wwwAuthenticate] = "Bearer realm=\"fielddispatch\""
        return problem
    }

    static func forbidden(_ detail: String) -> Problem { Problem(.forbidden, "forbidden", "Forbidden", detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", "Not found", detail) }
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "bad-request", "Bad request", detail) }
    static func invalid(_ detail: String) -> Problem { Problem(.unprocessableContent, "invalid", "Invalid request", detail) }

    /// A body past the limit; the connection is closed after the answer (the rest is not read).
    static func tooLarge(limit: Int) -> Problem {
        var problem = Problem(.contentTooLarge, "too-large", "Body too large", "request bodies are limited to \(limit / 1024) KiB")
        problem.headers[.connection] = "close"
        return problem
    }

    /// The problem for an application-layer failure.
    static func from(_ error: OperationError) -> Problem {
        switch error.category {
        case .badInput where error.slug == "slot-taken":
            return Problem(.conflict, "slot-taken", "Slot taken", error.message)
        case .badInput where !error.problems.isEmpty:
            var problem = invalid(error.message)
            problem.extensions["errors"] = .array(
                error.problems.map { item in
                    var entry: [String: JSONValue] = ["field": item.field.json, "detail": item.message.json]
                    entry["line"] = item.line?.json
                    entry["column"] = item.column?.json
                    return .object(entry)
                })
            return problem
        case .badInput: return invalid(error.message)
        case .preconditionFailed: return Problem(.preconditionFailed, "precondition-failed", "Precondition failed", error.message)
        case .notFound: return notFound(error.message)
        case .conflict, .busy, .workersLost: return Problem(.conflict, "conflict", "Conflict", error.message)
        case .gone: return Problem(.gone, "gone", "Gone", error.message)
        case .unavailable:
            var problem = Problem(
                .serviceUnavailable, "unavailable", "Service unavailable", "the database is not answering; try again shortly")
            problem.headers[.retryAfter] = "5"
            return problem
        case .storage: return Problem(.internalServerError, "internal", "Internal error", "the server failed; the failure was logged")
        }
    }
}

/// Turns every failure into problem details: the application's errors by category, the
/// framework's (unknown route, body too large) by status, anything else as a 500 that says
/// nothing about the inside.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as OperationError {
            if error.category == .storage {
                context.logger.error("database failure", metadata: ["error": "\(error.message)"])
            }
            throw Problem.from(error)
        } catch let error as HTTPResponseError {
            // The framework's own refusals (an unknown route, a body past the limit, ...).
            switch error.status {
            case .notFound:
                // A known path asked with another method: 405 with the methods it has.
                if let allowed = DispatchServer.methods(of: request.uri.path) {
                    var problem = Problem(
                        .methodNotAllowed, "method-not-allowed", "Method not allowed",
                        "\(request.method) is not allowed on \(request.uri.path); it takes \(allowed.joined(separator: ", "))")
                    problem.headers[.allow] = allowed.joined(separator: ", ")
                    throw problem
                }
                throw Problem.notFound("no such route: \(request.method) \(request.uri.path)")
            case .contentTooLarge: throw Problem.tooLarge(limit: 64 * 1024)
            default: throw Problem(error.status, "http-\(error.status.code)", error.status.reasonPhrase, error.status.reasonPhrase)
            }
        } catch {
            context.logger.error("unexpected failure", metadata: ["error.type": "\(type(of: error))"])
            throw Problem(.internalServerError, "internal", "Internal error", "the server failed; the failure was logged")
        }
    }
}
