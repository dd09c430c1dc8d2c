import CLibPQ
import DispatchStore
import Foundation

extension PostgresConnection {
    /// Waits up to `milliseconds` for notifications on the channels this connection LISTENs to
    /// and returns their payloads (none on a timeout). Throws when the connection is lost.
    public func notifications(waitingUpTo milliseconds: Int32) throws -> [String] {
        guard let handle = connectionHandle else { throw StoreError(.connection, "the PostgreSQL connection is closed") }
        var payloads = drain(handle)
        guard payloads.isEmpty else { return payloads }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw StoreError(.connection, "the PostgreSQL connection has no socket") }
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0, errno != EINTR { throw StoreError(.connection, "waiting for PostgreSQL notifications failed (errno \(errno))") }
        guard ready > 0 else { return [] }
        guard PQconsumeInput(handle) == 1 else {
            throw StoreError(.connection, "the PostgreSQL connection was lost: \(String(cString: PQerrorMessage(handle)))")
        }
        payloads = drain(handle)
        return payloads
    }

    private func drain(_ handle: OpaquePointer) -> [String] {
        var payloads: [String] = []
        while let notice = PQnotifies(handle) {
            payloads.append(String(cString: notice.pointee.extra))
            PQfreemem(notice)
        }
        return payloads
    }
}

/// A thread that LISTENs on a PostgreSQL channel and hands each notification's payload to
/// `deliver`; a lost connection is opened again (after 1 s, then up to 10 s apart), and `deliver`
/// is told `nil` then, so its listener reads what it may have missed.
public final class PostgresListener: @unchecked Sendable {
    // Invariant behind @unchecked Sendable: `stopped` is touched only under `lock`; the thread owns its connection.
    private let lock = NSLock()
    private var stopped = false
    private let conninfo: String
    private let channel: String
    private let deliver: @Sendable (String?) -> Void

    public init(conninfo: String, channel: String, deliver: @escaping @Sendable (String?) -> Void) {
        self.conninfo = conninfo
        self.channel = channel
        self.deliver = deliver
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "fielddispatch.listen.\(channel)"
        thread.start()
    }

    public func stop() { lock.withLock { stopped = true } }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func run() {
        var pause = 1.0
        while !isStopped {
            do {
                let connection = try PostgresConnection(conninfo: conninfo, slotWait: 1)
                defer { connection.close() }
                try connection.executeScript("LISTEN \(channel)")
                deliver(nil)  // (again) listening: whatever came meanwhile is read by the listener
                pause = 1
                while !isStopped {
                    for payload in try connection.notifications(waitingUpTo: 500) { deliver(payload) }
                }
            } catch {
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 10)
            }
        }
    }
}
