import Crypto
import DispatchOperations
import DispatchStore
import Foundation
import HTTPTypes
import Hummingbird
import SchedulingCore

/// An answer of a route that may be replayed: its status, JSON body and headers.
struct Answer {
    var status: HTTPResponse.Status = .ok
    var body: JSONValue
    var headers: HTTPFields = [:]

    var response: Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body.text())))
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}

extension DispatchServer {
    /// Runs a changing request once per `Idempotency-Key` (the IETF httpapi draft): the first
    /// request with a key runs and its answer is kept for a day; a retry with the same key,
    /// method, path and body gets that answer again (`Idempotent-Replayed: true`) without
    /// running; the key with another request is 422; while the first still runs, 409. Without
    /// the header the request simply runs. Answers a retry should not see are not kept (401,
    /// 403, 408, 409, 429 and 5xx: the key is given back and a retry runs).
    func idempotent(
        _ request: Request, _ principal: Principal, body: ByteBuffer? = nil, _ run: () async throws -> Answer
    ) async throws -> Response {
        guard let key = request.headers[.idempotencyKey] else { return try await run().response }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
            throw Problem.badRequest("Idempotency-Key: 1 to 255 printable ASCII characters (a UUID, say)")
        }
        var hash = SHA256()
        hash.update(data: Data("\(request.method) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8))
        if let body { hash.update(data: Data(body.readableBytesView)) }
        let fingerprint = hash.finalize().hexDigits
        let client = "\(principal.kind.rawValue):\(principal.subject)"
        switch try await operations.claimIdempotencyKey(client: client, key: key, fingerprint: fingerprint) {
        case .inFlight:
            throw Problem(
                .conflict, "idempotency-in-flight", "Request in progress",
                "the first request with this Idempotency-Key is still running; retry once it has answered")
        case .mismatch:
            throw Problem(
                .unprocessableContent, "idempotency-key-reused", "Idempotency-Key reused",
                "this Idempotency-Key was sent with another request (method, path or body); use a new key for a new request")
        case .replay(let status, let contentType, let text):
            return Response(
                status: HTTPResponse.Status(code: status), headers: [.contentType: contentType, .idempotentReplayed: "true"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        case .run:
            break
        }
        do {
            let answer = try await run()
            try await operations.keepIdempotentAnswer(
                client: client, key: key, status: Int(answer.status.code), contentType: "application/json", body: answer.body.text())
            return answer.response
        } catch {
            let problem = (error as? Problem) ?? (error as? OperationError).map(Problem.from)
            if let problem, (400..<500).contains(problem.status.code), ![401, 403, 408, 409, 429].contains(problem.status.code) {
                try await operations.keepIdempotentAnswer(
                    client: client, key: key, status: Int(problem.status.code), contentType: "application/problem+json",
                    body: problem.text(instance: request.uri.path))
            } else {
                try? await operations.releaseIdempotencyKey(client: client, key: key)
            }
            throw error
        }
    }

    /// A JSON request body, whole within the server's body time and at most `limit` bytes
    /// (413 past it, the rest not read).
    func jsonBody(_ request: Request, _ context: APIContext, limit: Int) async throws -> ByteBuffer {
        // Exactly application/json, parameters (charset) allowed: not application/jsonx.
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type", "send the body as application/json")
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            context.closeConnectionSoon()
            throw Problem.tooLarge(limit: limit)
        }
        let seconds = settings.bodySeconds
        do {
            return try await Deadline.first(seconds) { try await request.body.collect(upTo: limit) }
        } catch is Deadline.Passed {
            context.closeConnectionSoon()
            throw Problem(
                .requestTimeout, "request-timeout", "Request timeout",
                "the body did not arrive whole within \(Int(seconds)) s; send it at once")
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            context.closeConnectionSoon()
            throw Problem.tooLarge(limit: limit)
        } catch {
            // A body the HTTP parser could not read (a bad chunk size, an unknown transfer coding, a cut connection).
            throw Problem.badRequest("the request body could not be read as HTTP/1.1 sends it")
        }
    }
}
