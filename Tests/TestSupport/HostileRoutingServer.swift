import Foundation
import Hummingbird
import NIOCore

/// A routing engine gone wrong: a real HTTP server on 127.0.0.1 answering OSRM's `table` and
/// Valhalla's `sources_to_targets` in ways no engine should, chosen by the first part of the
/// path (`http://127.0.0.1:PORT/huge` as `travel.url`). Every answer has the rows and columns the
/// request asked for, so only the hostile part is wrong.
public final class HostileRoutingServer: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        /// Durations of 1e308 seconds and distances of 1e308 metres.
        case huge
        /// A negative duration.
        case negative
        /// `NaN` where a number belongs (not JSON).
        case nan
        /// `"durations": null`.
        case nullTable = "null-table"
        /// Texts and objects where numbers belong.
        case wrongCells = "wrong-cells"
        /// A row one cell short.
        case shortRow = "short-row"
        /// Not JSON at all (an HTML error page with status 200).
        case html
        /// A valid answer padded with 8 MiB of spaces (over a small `maxResponseBytes`).
        case bigBody = "big-body"
        /// 8 KiB of gzip that inflates to 64 MiB of spaces (`Content-Encoding: gzip`).
        case gzipBomb = "gzip-bomb"
        /// One byte every 300 ms, for ever (until the client leaves).
        case trickle
        /// Silent for 120 s, then a valid answer.
        case silent
    }

    private let task: Task<Void, any Error>
    public let port: Int

    public init() async throws {
        let bomb = try Self.gzipBomb()
        let router = Router()
        router.get("/:mode/table/v1/:profile/:coordinates") { request, context -> Response in
            let text = context.parameters.get("coordinates") ?? ""
            let count = text.split(separator: ";").count
            func indices(_ name: String) -> Int {
                request.uri.queryParameters.get(name).map { $0.split(separator: ";").count } ?? count
            }
            let mode = Mode(rawValue: context.parameters.get("mode") ?? "") ?? .huge
            return Self.answer(mode, rows: indices("sources"), columns: indices("destinations"), valhalla: false, bomb: bomb)
        }
        router.post("/:mode/sources_to_targets") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 24)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
            let rows = (object["sources"] as? [Any])?.count ?? 1
            let columns = (object["targets"] as? [Any])?.count ?? 1
            let mode = Mode(rawValue: context.parameters.get("mode") ?? "") ?? .huge
            return Self.answer(mode, rows: rows, columns: columns, valhalla: true, bomb: bomb)
        }
        (task, port) = try await NoticeReceiver.serve(router, what: "the hostile routing server")
    }

    public func url(_ mode: Mode) -> String { "http://127.0.0.1:\(port)/\(mode.rawValue)" }

    public func stop() { task.cancel() }

    /// A table of `rows` × `columns` whose cells are `cell(row, column)` (JSON text), in OSRM's
    /// or Valhalla's shape; OSRM's distances are `distance` too.
    static func table(rows: Int, columns: Int, valhalla: Bool, distance: String = "1500", _ cell: (Int, Int) -> String) -> String {
        func grid(_ cell: (Int, Int) -> String) -> String {
            "[" + (0..<rows).map { i in "[" + (0..<columns).map { j in cell(i, j) }.joined(separator: ",") + "]" }.joined(separator: ",")
                + "]"
        }
        if valhalla { return "{\"sources_to_targets\":\(grid { i, j in "{\"time\":\(cell(i, j)),\"distance\":\(distance)}" })}" }
        return "{\"code\":\"Ok\",\"durations\":\(grid(cell)),\"distances\":\(grid { _, _ in distance })}"
    }

    static func answer(_ mode: Mode, rows: Int, columns: Int, valhalla: Bool, bomb: Data) -> Response {
        func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
            Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        switch mode {
        case .huge: return json(table(rows: rows, columns: columns, valhalla: valhalla, distance: "1e308") { _, _ in "1e308" })
        case .negative: return json(table(rows: rows, columns: columns, valhalla: valhalla) { i, j in i == j ? "0" : "-5" })
        case .nan: return json(table(rows: rows, columns: columns, valhalla: valhalla) { _, _ in "NaN" })
        case .nullTable: return json(valhalla ? "{\"sources_to_targets\":null}" : "{\"code\":\"Ok\",\"durations\":null}")
        case .wrongCells: return json(table(rows: rows, columns: columns, valhalla: valhalla) { i, _ in i == 0 ? "\"12\"" : "{\"s\":1}" })
        case .shortRow: return json(table(rows: rows, columns: max(0, columns - 1), valhalla: valhalla) { _, _ in "60" })
        case .html:
            return Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>502 Bad Gateway</body></html>")))
        case .bigBody:
            let valid = table(rows: rows, columns: columns, valhalla: valhalla) { _, _ in "60" }
            return json(valid + String(repeating: " ", count: 8 << 20))
        case .gzipBomb:
            return Response(
                status: .ok, headers: [.contentType: "application/json", .contentEncoding: "gzip"],
                body: .init(byteBuffer: ByteBuffer(bytes: bomb)))
        case .trickle:
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "{\"code\":\"Ok\",\"durations\":["))
                    for _ in 0..<2000 {
                        // the hostile behaviour itself: a slow answer
                        try await Task.sleep(nanoseconds: 300_000_000)
                        try await writer.write(ByteBuffer(string: " "))
                    }
                    try await writer.finish(nil)
                })
        case .silent:
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    // the hostile behaviour itself: an engine that never answers
                    try await Task.sleep(nanoseconds: 120_000_000_000)
                    try await writer.write(ByteBuffer(string: table(rows: rows, columns: columns, valhalla: valhalla) { _, _ in "60" }))
                    try await writer.finish(nil)
                })
        }
    }

    /// 64 MiB of spaces, gzipped by the system's gzip (about 64 KiB).
    static func gzipBomb() throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "head -c 67108864 /dev/zero | tr '\\0' ' ' | gzip -9 -c"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
