import DispatchOperations
import Foundation
import Hummingbird
import NIOCore

/// The request context of the API: who the request speaks for, once authenticated, and the
/// 64 KiB body limit.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Shared with the middleware around the route, which logs who the request spoke for.
    let identity = Identity()

    /// The client's address (for limiting failed authentications), as the connection gives it.
    public let clientAddress: String
    private let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }

    /// Closes the connection shortly, once the answer under way has been written: for a request
    /// whose body will not be read (declared past the limit), instead of waiting for it to arrive.
    func closeConnectionSoon() {
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: .milliseconds(500)) { channel.close(promise: nil) }
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
