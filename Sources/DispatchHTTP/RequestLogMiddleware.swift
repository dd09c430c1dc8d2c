import Hummingbird
import Logging

/// One log line per request: method, route (the pattern, never the URL: a feed URL carries its
/// token), status, duration and the technician or dispatcher it spoke for.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: Int(response.status.code), started: started)
            return response
        } catch let error as HTTPResponseError {
            log(request, context, status: Int(error.status.code), started: started)
            throw error
        } catch {
            log(request, context, status: 500, started: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: APIContext, status: Int, started: ContinuousClock.Instant) {
        let elapsed = started.duration(to: .now)
        let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "route": .string(context.endpointPath ?? "unmatched"),
            "status": .stringConvertible(status),
            "ms": .string("\(microseconds / 1000).\(String(microseconds % 1000 / 10 + 100).dropFirst())"),
        ]
        if let principal = context.principal {
            // Who, by name: the technician, the dispatcher or the integration client (never the secret).
            let role: String
            switch principal.kind {
            case .dispatcher: role = "dispatcher"
            case .client: role = "client"
            case .technician, .feed: role = "technician"
            }
            metadata[role] = .string(principal.subject)
        }
        logger.info("request", metadata: metadata)
    }
}
