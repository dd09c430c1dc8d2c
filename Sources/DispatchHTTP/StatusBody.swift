import DispatchOperations
import DispatchStore
import Foundation
import Hummingbird
import SchedulingCore

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

    /// The body read whole (`DispatchServer.jsonBody`), checked.
    static func parse(_ buffer: ByteBuffer) throws -> StatusBody {
        let data = Data(buffer.readableBytesView)
        guard let object = (try? JSONValue(parsing: data))?.object else {
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
