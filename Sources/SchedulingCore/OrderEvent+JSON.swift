import Foundation
import SchedulingCore

extension OrderEvent {
    /// The change as `dispatch orders history --format json` and `GET /v1/orders/{id}` print it:
    /// times in the day's zone; `reason`, `side` and `details` only when recorded.
    public func json(in zone: ServiceTimeZone) -> JSONValue {
        var object: [String: JSONValue] = [
            "at": zone.rfc3339(at).json, "actor": actor.json, "from": from.rawValue.json, "to": to.rawValue.json,
        ]
        object["reason"] = reason?.json
        object["side"] = side?.rawValue.json
        object["details"] = details.flatMap { try? JSONValue(parsing: Data($0.utf8)) }
        return .object(object)
    }
}
