import DispatchOperations
import Foundation
import Hummingbird

/// The request context of the API: who the request speaks for, once authenticated, and the
/// 64 KiB body limit.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Shared with the middleware around the route, which logs who the request spoke for.
    let identity = Identity()

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { 64 * 1024 }

    public var principal: Principal? { identity.principal }

    /// Who the request turned out to speak for; set once by authentication.
    final class Identity: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var value: Principal?

        var principal: Principal? {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }
}
