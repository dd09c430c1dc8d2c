import DispatchOperations
import DispatchStore
import Foundation
import Hummingbird

/// The body of `POST /v1/me/orders/{id}/status`, read strictly: JSON only, known fields only,
/// each of its type; anything else is a 4xx problem that says which field and why.
struct StatusBody {
    /// What a technician may report from the field.
    static let states: [OrderState] = [.enRoute, .onSite, .completed, .customerAbsent, .transferred]
    static let fields: Set<String> = ["state", "reason", "details"]

    let state: OrderState
    let reason: String?
    let details: [String: String]

    private struct Wire: Decodable {
        let state: String
        let reason: String?
        let details: [String: Detail]?
    }

    /// A completion field: a number or a text.
    private struct Detail: Decodable {
        let text: String
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self), !(try container.decodeNil()) {
                text = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    static func read(_ request: Request, _ context: APIContext, within seconds: Double) async throws -> StatusBody {
        // Exactly application/json, parameters (charset) allowed: not application/jsonx.
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type", "send the body as application/json")
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > context.maxUploadSize {
            context.closeConnectionSoon()
            throw Problem.tooLarge(limit: context.maxUploadSize)
        }
        let buffer: ByteBuffer
        do {
            let limit = context.maxUploadSize
            buffer = try await Deadline.first(seconds) { try await request.body.collect(upTo: limit) }
        } catch is Deadline.Passed {
            context.closeConnectionSoon()
            throw Problem(
                .requestTimeout, "request-timeout", "Request timeout",
                "the body did not arrive whole within \(Int(seconds)) s; send it at once")
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            context.closeConnectionSoon()
            throw Problem.tooLarge(limit: context.maxUploadSize)
        } catch {
            // A body the HTTP parser could not read (a bad chunk size, an unknown transfer coding, a cut connection).
            throw Problem.badRequest("the request body could not be read as HTTP/1.1 sends it")
        }
        let data = Data(buffer.readableBytesView)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw Problem.badRequest("the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw Problem.invalid("unknown field '\(unknown)'; the fields are state, reason and details")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw Problem.invalid("field '\(key.stringValue)' is required")
        } catch DecodingError.typeMismatch(_, let where_), DecodingError.valueNotFound(_, let where_) {
            let path = where_.codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.invalid("field '\(path)' has the wrong type (state and reason are text; details hold numbers or text)")
        } catch {
            throw Problem.invalid("the body does not match the status schema")
        }
        guard let state = OrderState(rawValue: wire.state), states.contains(state) else {
            throw Problem.invalid(
                "state '\(wire.state)' is not one a technician reports; use one of "
                    + states.map(\.rawValue).joined(separator: ", "))
        }
        return StatusBody(state: state, reason: wire.reason, details: (wire.details ?? [:]).mapValues(\.text))
    }
}

/// A wait with a time limit that does not depend on the work noticing cancellation: when the
/// time passes first, the caller goes on at once and the work is cancelled and left to end
/// (a request body stops when its connection is closed).
enum Deadline {
    struct Passed: Error {}

    static func first<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = Once<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            let work = Task {
                do {
                    once.resume(.success(try await work()))
                } catch {
                    once.resume(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                if once.resume(.failure(Passed())) { work.cancel() }
            }
            // Done in time: the timer's sleep ends now instead of holding a task for `seconds`.
            Task {
                _ = await work.result
                timer.cancel()
            }
        }
    }

    /// A continuation resumed once, by whichever comes first.
    final class Once<T: Sendable>: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?

        func set(_ continuation: CheckedContinuation<T, any Error>) { lock.withLock { self.continuation = continuation } }

        @discardableResult
        func resume(_ result: Result<T, any Error>) -> Bool {
            guard
                let continuation = lock.withLock({ () -> CheckedContinuation<T, any Error>? in
                    defer { self.continuation = nil }
                    return self.continuation
                })
            else { return false }
            continuation.resume(with: result)
            return true
        }
    }
}
