import DispatchStore
import ScenarioFormat

/// A failed operation, with the category every interface maps to its own code: the CLI to exit
/// codes (bad input and not found 2, conflict 3, busy 4, workers lost 6, storage 1), the HTTP server to statuses
/// (422/400, 404, 409, 503).
///
/// Messages name ids and times but never customer data: a database refusal is reported by its
/// constraint, not by the row it refused.
public struct OperationError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Category: String, Sendable {
        case badInput = "bad_input"
        case notFound = "not_found"
        case conflict
        /// What was asked for existed and is no longer kept (an event feed's cursor older than its events).
        case gone
        /// A condition of the request does not hold (an `If-Match` of a copy that is stale).
        case preconditionFailed = "precondition_failed"
        /// Another run holds the lock this one needs (the nightly job).
        case busy
        /// The workers a nightly run waited for died, failed a unit too often, or the run's
        /// deadline passed: nothing of the day was published.
        case workersLost = "workers_lost"
        /// The database cannot be reached (down, restarting, failing over): try again shortly.
        case unavailable
        /// The database failed in a way this program did not expect: an internal error.
        case storage
    }

    public var category: Category
    public var message: String
    /// The fields of a request body that are wrong, each with why (bad input only).
    public var problems: [ScenarioProblem] = []
    /// What exactly went wrong, where an interface answers it its own way (`slot-taken`: the
    /// window asked for cannot be kept any more; the server offers fresh ones).
    public var slug: String?

    public init(_ category: Category, _ message: String, problems: [ScenarioProblem] = []) {
        self.category = category
        self.message = message
        self.problems = problems
    }

    public var description: String { message }

    static func badInput(_ message: String) -> OperationError { OperationError(.badInput, message) }
    static func notFound(_ message: String) -> OperationError { OperationError(.notFound, message) }
    static func conflict(_ message: String) -> OperationError { OperationError(.conflict, message) }

    /// The operation error for anything thrown below the application layer.
    public static func from(_ error: Error) -> OperationError {
        switch error {
        case let operation as OperationError: return operation
        case let rejected as ScenarioRejected:
            return OperationError(.badInput, rejected.problems.map(\.description).joined(separator: "; "), problems: rejected.problems)
        case let store as StoreError:
            switch store.kind {
            case .conflict: return OperationError(.conflict, store.message)
            case .retryable:
                return OperationError(
                    .conflict, "another change to the same orders kept winning; nothing was changed, try again (\(store.message))")
            case .configuration: return OperationError(.badInput, store.description)
            case .connection: return OperationError(.unavailable, store.description)
            case .constraint(let name):
                return OperationError(.conflict, "the database refused the change (constraint \(name ?? "unnamed"))")
            default: return OperationError(.storage, store.description)
            }
        default: return OperationError(.storage, "\(error)")
        }
    }
}
