import Foundation
import SchedulingCore
import Yams

/// A scenario file read in bounded memory, for `import` and `validate` of files of any size.
///
/// Everything but the orders (the header: name, date, policy, crews, technicians) is parsed at
/// once; the orders are parsed and checked in batches while the file is read a second time, so
/// a file of a million orders never sits in memory as text, as a YAML tree or as orders. Lines
/// and columns in problems are those of the file, as with `ScenarioLoader`.
///
/// The orders list is cut out of the text without a YAML parser: in JSON (any layout) by a
/// scanner that follows strings and brackets; in YAML when `orders:` is a top-level block
/// sequence (`orders:` alone on its line, then `- ` items), by its items. Any other layout
/// (a YAML flow list `orders: [...]`) is read whole. An order of a streamed YAML file cannot
/// refer to an anchor outside itself.
public final class ScenarioStream: @unchecked Sendable {
    // @unchecked: used from one thread at a time (the import's transaction reads it).

    /// Orders handed over at a time.
    public static let batchSize = 500

    public let file: String
    /// The scenario without its orders.
    public let header: Scenario
    private let diagnostics: Diagnostics
    private var builder: ScenarioBuilder
    private let layout: Layout
    /// The builder and problems as the header left them: each reading of the orders starts there
    /// (a transaction that runs again reads them again).
    private let start: ScenarioBuilder
    private let headerProblems: (problems: [ScenarioProblem], omitted: Int)

    enum Layout {
        case json
        case yamlBlock
        /// Read whole, with these orders.
        case whole([WorkOrder])
    }

    private init(file: String, header: Scenario, diagnostics: Diagnostics, builder: ScenarioBuilder, layout: Layout) {
        self.file = file
        self.header = header
        self.diagnostics = diagnostics
        self.builder = builder
        self.layout = layout
        self.start = builder
        self.headerProblems = diagnostics.snapshot
    }

    private var layoutIsJSON: Bool {
        if case .json = layout { return true }
        return false
    }

    /// Whether the orders are read in batches (false for a file read whole).
    public var isStreamed: Bool {
        if case .whole = layout { return false }
        return true
    }

    /// Reads the file's header. Throws `ScenarioRejected` when the file cannot be read or its
    /// header cannot give a scenario at all (problems in the header that still leave one are
    /// reported with the orders' problems, by `orders`).
    public static func open(path: String) throws -> ScenarioStream {
        let layout: Layout
        let headerText: String
        var columns = ColumnMap()
        do {
            let source = try ByteSource(path: path)
            defer { source.close() }
            let first = try source.firstSignificantByte()
            layout = first == UInt8(ascii: "{") ? .json : .yamlBlock
            var splitter = OrderSplitter(layout: layout, collectHeader: true)
            try splitter.run(source) { _, _, _ in }
            guard let text = String(bytes: splitter.header, encoding: .utf8) else {
                throw ScenarioRejected(problems: [
                    ScenarioProblem(file: path, line: nil, column: nil, field: "", message: "the file is not UTF-8 text")
                ])
            }
            headerText = text
            columns = splitter.columns
            if !splitter.foundOrders {
                // Nothing to stream (no orders, or a layout the splitter leaves alone): read it whole.
                var scenario = try ScenarioLoader.parse(text, file: path)
                let orders = scenario.orders
                scenario.orders = []
                let diagnostics = Diagnostics(file: path)
                return ScenarioStream(
                    file: path, header: scenario, diagnostics: diagnostics,
                    builder: ScenarioBuilder(diagnostics), layout: .whole(orders))
            }
        } catch let rejected as ScenarioRejected {
            throw rejected
        } catch {
            let reason = (error as? ReadFailure)?.reason ?? ScenarioLoader.reason(error)
            throw ScenarioRejected(problems: [
                ScenarioProblem(file: path, line: nil, column: nil, field: "", message: "cannot read the file (\(reason))")
            ])
        }
        let diagnostics = Diagnostics(file: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: headerText)
        } catch {
            var problem = ScenarioLoader.yamlProblem(error, file: path)
            if let line = problem.line, let column = problem.column { problem.column = columns.fileColumn(line: line, column: column) }
            throw ScenarioRejected(problems: [problem])
        }
        guard let root else {
            throw ScenarioRejected(problems: [ScenarioProblem(file: path, line: 1, column: 1, field: "", message: "the file is empty")])
        }
        var builder = ScenarioBuilder(diagnostics)
        builder.defersMatrix = true
        let header = builder.build(root)
        diagnostics.remapColumns(columns.fileColumn)
        if let line = builder.matrixFile?.line, let column = builder.matrixFile?.column {
            builder.matrixFile?.column = columns.fileColumn(line: line, column: column)
        }
        guard let header else {
            // No scenario without a name, date or zone; the orders are still read for their problems
            // (a matrix is not: read whole, the file would not get that far either).
            builder.matrixFile = nil
            let placeholder = Scenario(
                name: "", timeZone: .utc, date: LocalDate(year: 2000, month: 1, day: 1)!, now: Instant(secondsSinceEpoch: 0),
                technicians: [], orders: [])
            let stream = ScenarioStream(file: path, header: placeholder, diagnostics: diagnostics, builder: builder, layout: layout)
            try stream.orders { _ in }
            throw diagnostics.rejection()
        }
        let stream = ScenarioStream(file: path, header: header, diagnostics: diagnostics, builder: builder, layout: layout)
        if !diagnostics.isEmpty {
            // A header with a problem (a contract that ends before it starts) stops here, before a
            // caller writes any of it: the orders are read for their problems and all are reported,
            // as `validate` does, so the database's checks are never the first to notice.
            try stream.orders { _ in }
            throw diagnostics.rejection()
        }
        return stream
    }

    /// Reads and checks the orders, handing them to `body` in batches of `batchSize` in file
    /// order while no problem has been found. After the first problem `body` is not called
    /// again, but reading goes on so that every problem is reported; then `ScenarioRejected`
    /// is thrown with all of them (the header's included). Returns the number of orders.
    @discardableResult
    public func orders(batchSize: Int = ScenarioStream.batchSize, _ body: ([WorkOrder]) throws -> Void) throws -> Int {
        if case .whole(let orders) = layout {
            for start in stride(from: 0, to: orders.count, by: max(1, batchSize)) {
                try body(Array(orders[start..<min(orders.count, start + max(1, batchSize))]))
            }
            return orders.count
        }
        builder = start
        diagnostics.restore(headerProblems)
        var count = 0
        var pending: [WorkOrder] = []
        var places: [(id: String, place: GeoPoint)] = []
        func deliver() throws {
            if diagnostics.isEmpty, !pending.isEmpty { try body(pending) }
            pending.removeAll(keepingCapacity: true)
        }
        do {
            let source = try ByteSource(path: file)
            defer { source.close() }
            var splitter = OrderSplitter(layout: layout, collectHeader: false)
            splitter.batchSize = max(1, batchSize)
            try splitter.run(source) { text, firstLine, firstColumn in
                for node in parseBatch(text, firstLine: firstLine, firstColumn: firstColumn) {
                    if count == InputLimits.orders {
                        diagnostics.report(
                            line: diagnostics.line(of: node), "orders",
                            "holds more than \(InputLimits.orders) entries; at most \(InputLimits.orders) are accepted in one file")
                    }
                    if count < InputLimits.orders, let order = builder.readCheckedOrder(node, index: count) {
                        pending.append(order.value)
                        if builder.matrixFile != nil { places.append((order.value.id, order.value.location)) }
                    }
                    count += 1
                }
                try deliver()
            }
        } catch let rejected as ScenarioRejected {
            throw rejected
        } catch let error as ReadFailure {
            throw ScenarioRejected(problems: [
                ScenarioProblem(file: file, line: nil, column: nil, field: "", message: "cannot read the file (\(error.reason))")
            ])
        }
        // The matrix names the orders: checked once they are all read (its legs are not kept:
        // `readsMatrix` tells the caller).
        if let matrix = builder.matrixFile { legs = builder.readMatrix(matrix, technicians: header.technicians, orders: places) }
        guard diagnostics.isEmpty else { throw diagnostics.rejection() }
        return count
    }

    /// The file's travel is `model: matrix` (checked with the orders; a file read whole has its
    /// legs in `header.travel.legs`).
    public var readsMatrix: Bool { builder.matrixFile != nil || header.travel.legs != nil }

    /// The matrix of a streamed file, once `orders` has read them all (the header's otherwise).
    public private(set) var legs: RoadLegs?

    /// The items of one batch of orders (YAML block items, or JSON elements wrapped in `[ ]`),
    /// with lines counted from `firstLine`; a batch that does not parse is one problem.
    private func parseBatch(_ text: String, firstLine: Int, firstColumn: Int) -> [Node] {
        diagnostics.lineOffset = firstLine - 1
        // JSON batches open with `[`: their first element is at column 2 of the text. YAML
        // batches are whole lines (shift 0).
        diagnostics.firstLineColumnOffset = layoutIsJSON ? firstColumn - 2 : 0
        do {
            guard let root = try Yams.compose(yaml: text) else { return [] }
            guard case .sequence(let items) = root else {
                diagnostics.report(root, "orders", "expected a list of orders, found \(root.kindDescription)")
                return []
            }
            return Array(items)
        } catch {
            let problem = ScenarioLoader.yamlProblem(error, file: file)
            let column = problem.line.flatMap { line in problem.column.map { diagnostics.column(line: line, column: $0) } }
            diagnostics.report(line: problem.line.map { $0 + firstLine - 1 }, column: column, problem.field, problem.message)
            return []
        }
    }
}

/// Cuts the orders list out of a scenario file's bytes: the rest (the header, with each line of
/// the orders left as an empty line so lines keep their numbers) is collected, and the orders
/// are handed over as text in batches, each with the line it starts on.
struct OrderSplitter {
    let layout: ScenarioStream.Layout
    let collectHeader: Bool
    var batchSize = ScenarioStream.batchSize
    private(set) var header: [UInt8] = []
    private(set) var foundOrders = false
    /// Where the header's columns differ from the file's (bytes of orders removed before them on
    /// the same line, as in a JSON file written on one line).
    private(set) var columns = ColumnMap()

    init(layout: ScenarioStream.Layout, collectHeader: Bool) {
        self.layout = layout
        self.collectHeader = collectHeader
    }

    /// A batch's text, the file's line it starts on and the file's column its first element starts at.
    typealias Emit = (_ text: String, _ firstLine: Int, _ firstColumn: Int) throws -> Void

    mutating func run(_ source: ByteSource, _ emit: Emit) throws {
        switch layout {
        case .json: try splitJSON(source, emit)
        case .yamlBlock: try splitYAML(source, emit)
        case .whole: break
        }
    }

    // MARK: JSON (or YAML flow style)

    /// One pass over the bytes following strings and brackets: a key `orders` at depth 1 whose
    /// value opens with `[` starts the list; each element at depth 2 is an order.
    private mutating func splitJSON(_ source: ByteSource, _ emit: Emit) throws {
        var depth = 0
        var line = 1
        var column = 0
        var batchColumn = 1
        var quoted = QuotedScalar()
        var lastString: [UInt8] = []
        var stringDepth = -1
        var key: [UInt8]? = nil
        var expectingValue = false
        var inOrders = false
        var inElement = false
        var elementDepth = 0
        var starts = NodeStarts()
        var headerColumn = 0
        var removedOnLine = 0
        var recordedShift = 0
        var batch: [UInt8] = []
        var batchLine = 0
        var elements = 0
        let orders = Array("orders".utf8)
        func flush() throws {
            guard !batch.isEmpty else { return }
            // The first element stands at column 2 after the opening bracket: the columns of the
            // batch's first line are shifted to the file's by the parser (`firstColumn`), not by
            // padding (on a file written as one line that would grow with every batch).
            try emit("[" + String(decoding: batch, as: UTF8.self) + "]", batchLine, batchColumn)
            batch.removeAll(keepingCapacity: true)
            elements = 0
        }
        while let byte = try source.next() {
            // Columns count characters, as the parser does: UTF-8 continuation bytes add none.
            let character = byte & 0xC0 != 0x80
            if character { column += 1 }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
                (headerColumn, removedOnLine, recordedShift) = (0, 0, 0)
            }
            // Inside the orders list, bytes go to the batch (from an element's start) and only
            // newlines to the header.
            let keep: Bool
            if inOrders {
                // The list's own closing bracket.
                let structural = !quoted.isOpen && !inElement && depth == 2 && byte == UInt8(ascii: "]")
                if !inElement, !structural, !quoted.isOpen, !Self.isSpace(byte), byte != UInt8(ascii: ",") {
                    inElement = true
                    elementDepth = depth
                    if batch.isEmpty { (batchLine, batchColumn) = (line, column) }
                }
                if inElement || (!batch.isEmpty && !structural) { batch.append(byte) }
                keep = structural || byte == UInt8(ascii: "\n")
            } else {
                keep = true
            }
            if collectHeader {
                if keep {
                    header.append(byte)
                    if byte != UInt8(ascii: "\n") {
                        if character { headerColumn += 1 }
                        if removedOnLine != recordedShift {
                            columns.record(line: line, headerColumn: headerColumn, shift: removedOnLine)
                            recordedShift = removedOnLine
                        }
                    }
                } else if byte != UInt8(ascii: "\n"), character {
                    removedOnLine += 1
                }
            }
            if quoted.isOpen {
                switch quoted.take(byte) {
                case .closed: starts.closedQuote()
                case .content: if depth == stringDepth, lastString.count < 16 { lastString.append(byte) }
                case .escape: break
                }
                continue
            }
            let start = starts.next(byte)
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                // (A `where` here would guard only the last pattern.)
                guard start else { break }
                quoted.open(byte)
                lastString.removeAll()
                stringDepth = depth
                if depth == 1, !inOrders { key = nil }
            case UInt8(ascii: ":") where depth == 1 && !inOrders:
                key = stringDepth == 1 ? lastString : nil
                expectingValue = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1, expectingValue, key == orders, byte == UInt8(ascii: "["), !foundOrders {
                    inOrders = true
                    foundOrders = true
                }
                expectingValue = false
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if inOrders, inElement, depth == elementDepth {
                    inElement = false
                    elements += 1
                    if elements >= batchSize { try flush() }
                } else if inOrders, depth == 1 {
                    inOrders = false
                    try flush()
                }
            case UInt8(ascii: ","):
                if inOrders, inElement, depth == elementDepth {
                    // A scalar element (not an order; the batch's parse reports it).
                    inElement = false
                    batch.removeLast()
                    elements += 1
                    if elements >= batchSize { try flush() } else { batch.append(byte) }
                }
                expectingValue = false
            default:
                if !Self.isSpace(byte) { expectingValue = false }
            }
        }
        try flush()
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    // MARK: YAML block sequence

    /// Line by line: `orders:` alone at the start of a line opens the list; its items are the
    /// lines that start with `-` at the first item's indentation; the list ends at the next line
    /// that starts at column 1 with anything else (the next top-level key, `---`, `...`).
    private mutating func splitYAML(_ source: ByteSource, _ emit: Emit) throws {
        var lineNumber = 0
        var inOrders = false
        var itemIndent: Int? = nil
        // Inside a flow collection or quoted scalar that goes on over lines, a line at column 1
        // continues it (YAML allows that) instead of ending the list.
        var flow = FlowState()
        var batch: [UInt8] = []
        var batchLine = 0
        var items = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            try emit(String(decoding: batch, as: UTF8.self), batchLine, 1)
            batch.removeAll(keepingCapacity: true)
            items = 0
        }
        while let line = try source.nextLine() {
            lineNumber += 1
            let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
            let rest = line.dropFirst(indent)
            let blank = rest.allSatisfy { Self.isSpace($0) } || rest.first == UInt8(ascii: "#")
            let continued = flow.isOpen
            if inOrders { flow.scan(line) }
            // A line at column 1 ends the list unless it is one of its items (`-` at column 1).
            if inOrders, !continued, !blank, indent == 0, !((itemIndent ?? 0) == 0 && Self.isItem(rest)) {
                inOrders = false
                try flush()
            }
            if inOrders {
                if !blank, !continued, itemIndent == nil { itemIndent = indent }
                if !blank, !continued, indent == itemIndent, Self.isItem(rest) {
                    if items >= batchSize { try flush() }
                    items += 1
                }
                if !batch.isEmpty || (!blank && indent == itemIndent) {
                    if batch.isEmpty { batchLine = lineNumber }
                    batch.append(contentsOf: line)
                }
                if collectHeader, line.last == UInt8(ascii: "\n") { header.append(UInt8(ascii: "\n")) }
                continue
            }
            if !foundOrders, Self.opensOrders(line) {
                inOrders = true
                foundOrders = true
                if collectHeader { header.append(contentsOf: Array("orders: []\n".utf8)) }
                continue
            }
            if collectHeader { header.append(contentsOf: line) }
        }
        try flush()
    }

    /// Flow brackets and quotes open at the end of the lines scanned so far.
    struct FlowState {
        var depth = 0
        private var quoted = QuotedScalar()
        private var starts = NodeStarts()

        var isOpen: Bool { depth > 0 || quoted.isOpen }

        mutating func scan(_ line: [UInt8]) {
            starts.newLine()
            for byte in line {
                if quoted.isOpen {
                    if quoted.take(byte) == .closed { starts.closedQuote() }
                    continue
                }
                let start = starts.next(byte)
                switch byte {
                case UInt8(ascii: "#") where starts.afterSpace: return
                case UInt8(ascii: "\""), UInt8(ascii: "'"): if start { quoted.open(byte) }
                case UInt8(ascii: "{"), UInt8(ascii: "["): if start || depth > 0 { depth += 1 }
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth = max(0, depth - 1)
                default: break
                }
            }
        }
    }

    static func isItem(_ rest: ArraySlice<UInt8>) -> Bool {
        guard rest.first == UInt8(ascii: "-") else { return false }
        let next = rest.dropFirst().first
        return next == nil || isSpace(next!)
    }

    /// `orders:` (or `"orders":`, `'orders':`) at column 1 with nothing but spaces or a comment after it.
    static func opensOrders(_ line: [UInt8]) -> Bool {
        guard let key = ["orders", "\"orders\"", "'orders'"].lazy.map({ Array("\($0):".utf8) }).first(where: { line.starts(with: $0) })
        else { return false }
        let rest = line.dropFirst(key.count).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        return rest.first == nil || rest.first == UInt8(ascii: "\n") || rest.first == UInt8(ascii: "\r") || rest.first == UInt8(ascii: "#")
    }
}

/// A quoted scalar being read, for both scanners: a backslash escapes the next byte inside double
/// quotes; the opening quote closes it.
struct QuotedScalar {
    private var quote: UInt8 = 0
    private var escaped = false

    enum Step { case content, escape, closed }

    var isOpen: Bool { quote != 0 }

    mutating func open(_ byte: UInt8) {
        quote = byte
        escaped = false
    }

    /// Takes in a byte inside the scalar.
    mutating func take(_ byte: UInt8) -> Step {
        if escaped {
            escaped = false
            return .escape
        }
        if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
            escaped = true
            return .escape
        }
        if byte == quote {
            quote = 0
            return .closed
        }
        return .content
    }
}

/// Where a quote or bracket starts a node, as YAML's flow and block styles have it: at the start,
/// after `{`, `[` or `,`, and after `:` or `-` when white space follows them (or, for `:`, right
/// after a quoted scalar or a collection, JSON's `"key":"value"`). Elsewhere it is part of a
/// plain scalar (`er":"x"` is one scalar), so the scanners keep in step with the parser.
struct NodeStarts {
    private var last: UInt8? = nil
    private var lastWasJSONLike = false
    private var colonAfterJSONLike = false
    private(set) var afterSpace = true

    mutating func newLine() {
        afterSpace = true
    }

    /// A quoted scalar just closed.
    mutating func closedQuote() {
        last = UInt8(ascii: "\"")
        lastWasJSONLike = true
        afterSpace = false
    }

    /// Whether `byte`, outside quoted scalars, stands where a node may start; then takes it in.
    mutating func next(_ byte: UInt8) -> Bool {
        let start: Bool
        switch last {
        case nil, UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ","): start = true
        case UInt8(ascii: ":"): start = afterSpace || colonAfterJSONLike
        case UInt8(ascii: "-"): start = afterSpace
        default: start = false
        }
        if OrderSplitter.isSpace(byte) {
            afterSpace = true
        } else {
            colonAfterJSONLike = byte == UInt8(ascii: ":") && lastWasJSONLike
            lastWasJSONLike = byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
            last = byte
            afterSpace = false
        }
        return start
    }
}

/// For each header line where bytes were cut out, from which header column on how many bytes
/// were cut before it: a header problem's column becomes the file's.
struct ColumnMap {
    private var shifts: [Int: [(column: Int, shift: Int)]] = [:]

    mutating func record(line: Int, headerColumn: Int, shift: Int) {
        shifts[line, default: []].append((headerColumn, shift))
    }

    func fileColumn(line: Int, column: Int) -> Int {
        column + (shifts[line]?.last { $0.column <= column }?.shift ?? 0)
    }
}

/// Why a file could not be read.
struct ReadFailure: Error {
    let reason: String
}

/// A file's bytes, read a block at a time.
final class ByteSource {
    private let handle: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var filled = 0
    private var position = 0

    init(path: String) throws {
        if let problem = Self.notAFile(path) { throw ReadFailure(reason: problem) }
        guard let handle = fopen(path, "rb") else { throw ReadFailure(reason: String(cString: strerror(errno))) }
        self.handle = handle
    }

    func close() { fclose(handle) }

    /// Why `path` is no file to read a scenario from (a directory, a device such as /dev/zero
    /// that never ends, a pipe, which can be read only once while a stream reads its header and
    /// then its orders), or nil.
    static func notAFile(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return "it is a directory"
        case S_IFCHR, S_IFBLK: return "it is a device, not a file"
        case S_IFIFO, S_IFSOCK: return "it is a pipe, not a file: save it to a file first"
        default: return nil
        }
    }

    func next() throws -> UInt8? {
        if position == filled {
            filled = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            position = 0
            if filled == 0 {
                if ferror(handle) != 0 { throw ReadFailure(reason: String(cString: strerror(errno))) }
                return nil
            }
        }
        defer { position += 1 }
        return buffer[position]
    }

    /// The next line with its newline (the last line may have none), or nil at the end.
    func nextLine() throws -> [UInt8]? {
        var line: [UInt8] = []
        while let byte = try next() {
            line.append(byte)
            if byte == UInt8(ascii: "\n") { return line }
        }
        return line.isEmpty ? nil : line
    }

    /// The first byte that is not white space, a byte-order mark or part of a `#` comment line.
    func firstSignificantByte() throws -> UInt8? {
        var inComment = false
        defer {
            rewind(handle)
            filled = 0
            position = 0
        }
        while let byte = try next() {
            if inComment {
                if byte == UInt8(ascii: "\n") { inComment = false }
                continue
            }
            if byte == UInt8(ascii: "#") {
                inComment = true
                continue
            }
            if OrderSplitter.isSpace(byte) || byte == 0xEF || byte == 0xBB || byte == 0xBF { continue }
            return byte
        }
        return nil
    }
}
