import DispatchOperations
import DispatchStore
import Foundation
import SchedulingCore
import Testing

/// The file sink writes only to a regular file, one whole line per notice, each key once.
@Suite("File notice sink")
struct FileNoticeSinkTests {
    static func notice(_ key: String) -> StoredNotice {
        let draft = NoticeDraft(
            key: key, kind: .preArrival, order: "WO-1", technician: nil, plannedStart: nil,
            dueAt: Instant(secondsSinceEpoch: 0), body: "{\"idempotency_key\":\"\(key)\"}")
        return StoredNotice(
            id: 1, draft: draft, createdAt: Instant(secondsSinceEpoch: 0), sentAt: nil, cancelledAt: nil, attempts: 0,
            lastError: nil)
    }

    @Test("A symbolic link, a device and a directory are refused; nothing is written through them")
    func refusesWhatIsNotARegularFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("target.txt").path
        try "precious\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = folder.appendingPathComponent("link.jsonl").path
        #expect(symlink(target, link) == 0)
        #expect(throws: OperationError.self) { try FileNoticeSink(path: link) }
        #expect(throws: OperationError.self) { try FileNoticeSink(path: "/dev/null") }
        #expect(throws: OperationError.self) { try FileNoticeSink(path: folder.path) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
    }

    @Test("Each notice is one whole line, each key written once, across sinks on the same file")
    func wholeLinesOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A line cut short by a crash before: the next notice still starts on its own line.
        try "{\"idempotency_key\":\"cut".write(toFile: path, atomically: true, encoding: .utf8)
        let sink = try FileNoticeSink(path: path)
        try await sink.deliver(Self.notice("a"))
        try await sink.deliver(Self.notice("b"))
        try await sink.deliver(Self.notice("a"))
        try await FileNoticeSink(path: path).deliver(Self.notice("b"))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == ["{\"idempotency_key\":\"cut", "{\"idempotency_key\":\"a\"}", "{\"idempotency_key\":\"b\"}"])
    }
}
