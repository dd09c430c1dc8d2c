import Foundation
import SchedulingCore

/// A problem in a public benchmark's text format could not be read.
public struct BenchmarkFormatError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }
}

/// A Solomon VRPTW instance (also the Gehring–Homberger format): node 0 is the depot.
public struct SolomonInstance: Sendable {
    public struct Node: Sendable {
        public let x: Double
        public let y: Double
        public let demand: Int
        public let ready: Int
        public let due: Int
        public let service: Int
    }

    public let name: String
    public let vehicles: Int
    public let capacity: Int
    public let nodes: [Node]

    /// Distance and travel time between two nodes: Euclidean, full precision.
    public func distance(_ a: Int, _ b: Int) -> Double {
        let dx = nodes[a].x - nodes[b].x
        let dy = nodes[a].y - nodes[b].y
        return (dx * dx + dy * dy).squareRoot()
    }

    /// Reads the text format: a name line, `VEHICLE` with number and capacity, `CUSTOMER` with
    /// one line of seven numbers per node.
    public init(text: String) throws {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var name = ""
        var numbers: [(line: Int, values: [Double])] = []
        for (index, line) in lines.enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard !fields.isEmpty else { continue }
            let values = fields.compactMap { Double($0) }
            if values.count == fields.count {
                numbers.append((index + 1, values))
            } else if name.isEmpty {
                name = fields.joined(separator: " ")
            }
        }
        guard let fleet = numbers.first, fleet.values.count == 2 else {
            throw BenchmarkFormatError(line: numbers.first?.line ?? 1, message: "expected the vehicle number and capacity")
        }
        var nodes: [Node] = []
        for (line, values) in numbers.dropFirst() {
            guard values.count == 7 else {
                throw BenchmarkFormatError(
                    line: line, message: "expected 7 numbers (no, x, y, demand, ready, due, service), found \(values.count)")
            }
            guard Int(values[0]) == nodes.count else {
                throw BenchmarkFormatError(line: line, message: "expected node \(nodes.count), found \(Int(values[0]))")
            }
            nodes.append(
                Node(
                    x: values[1], y: values[2], demand: Int(values[3]), ready: Int(values[4]),
                    due: Int(values[5]), service: Int(values[6])))
        }
        guard nodes.count >= 2 else { throw BenchmarkFormatError(line: lines.count, message: "no customers") }
        self.name = name
        vehicles = Int(fleet.values[0])
        capacity = Int(fleet.values[1])
        self.nodes = nodes
    }

    /// Thousandths of a distance unit, the scale the peers use too. Travel is rounded up, so a
    /// plan on time in this unit is on time with exact distances.
    public static let scale = 1000

    /// The instance as a planning problem: one technician per vehicle, one order per customer.
    /// `vehicleCost` (in distance units) is charged per vehicle used (the hierarchical objective).
    public func problem(vehicleCost: Double = 0) -> PlanningProblem {
        let scale = Self.scale
        let count = nodes.count
        var matrix = [Int32](repeating: 0, count: count * count)
        for a in 0..<count {
            for b in 0..<count where a != b {
                matrix[a * count + b] = Int32((distance(a, b) * Double(scale) - 1e-9).rounded(.up))
            }
        }
        let depot = nodes[0]
        let everyone = Array(0..<vehicles)
        let technicians = everyone.map { _ in
            PlanningProblem.Technician.vehicle(
                depot: 0, opens: depot.ready * scale, closes: depot.due * scale, capacity: capacity,
                fixedCost: Int(vehicleCost * Double(scale)))
        }
        let orders = nodes.indices.dropFirst().map { index in
            let node = nodes[index]
            return PlanningProblem.Order.customer(
                location: index, duration: node.service * scale, earliest: node.ready * scale, latest: node.due * scale,
                eligible: everyone, demand: node.demand)
        }
        var problem = PlanningProblem(
            scenario: nil, orderIDs: (1..<count).map(String.init), origin: Instant(secondsSinceEpoch: 0), orders: orders,
            technicians: technicians, groups: [], crewQuota: [], crewIDs: [], locationCount: count, travel: matrix,
            noticeEarliest: Int.min / 4)
        problem.unitsPerMinute = scale
        problem.costs.travelUnit = 1
        return problem
    }
}

/// A Bredström–Rönnqvist home-care instance with synchronised pairs (format in
/// bench/sync/README.md of the shared data): integers after `//` comments are stripped.
public struct SyncInstance: Sendable {
    public let name: String
    public let vehicles: Int
    /// Processing time and window of the start of each visit (index 0 is visit 1).
    public let processing: [Int]
    public let windows: [(Int, Int)]
    public let depotOpen: Int
    public let depotClose: Int
    /// travel[i][j] between visits, and depot[i] from the depot to visit i (symmetric).
    public let travel: [[Int]]
    public let depot: [Int]
    /// Pairs of visit indices (0-based) that must start together on different vehicles.
    public let pairs: [(Int, Int)]

    public init(name: String, text: String) throws {
        var tokens: [(line: Int, value: Int)] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = Substring(rawLine)
            if let comment = line.range(of: "//") { line = line[..<comment.lowerBound] }
            for field in line.split(whereSeparator: \.isWhitespace) {
                guard let value = Int(field) else {
                    throw BenchmarkFormatError(line: index + 1, message: "expected an integer, found \"\(field)\"")
                }
                tokens.append((index + 1, value))
            }
        }
        var cursor = 0
        func next(_ what: String) throws -> Int {
            guard cursor < tokens.count else {
                throw BenchmarkFormatError(line: tokens.last?.line ?? 1, message: "file ends before \(what)")
            }
            defer { cursor += 1 }
            return tokens[cursor].value
        }
        let vehicles = try next("the vehicle number")
        let count = try next("the visit number")
        _ = try next("the capacity")
        var processing = [Int](repeating: -1, count: count)
        for _ in 0..<count {
            let line = cursor < tokens.count ? tokens[cursor].line : 0
            let id = try next("a processing time")
            let time = try next("a processing time")
            guard (1...count).contains(id), processing[id - 1] < 0 else {
                throw BenchmarkFormatError(line: line, message: "processing time for unknown or repeated visit \(id)")
            }
            processing[id - 1] = time
        }
        let open = try next("the depot window")
        let close = try next("the depot window")
        var windows: [(Int, Int)] = []
        for _ in 0..<count { windows.append((try next("a visit window"), try next("a visit window"))) }
        for _ in 0..<count {
            _ = try next("a demand")
            _ = try next("a demand")
        }
        var travel: [[Int]] = []
        for _ in 0..<count { travel.append(try (0..<count).map { _ in try next("the travel matrix") }) }
        var depot = [Int](repeating: 0, count: count)
        for _ in 0..<count {
            let id = try next("a depot travel time")
            let time = try next("a depot travel time")
            guard (1...count).contains(id) else {
                throw BenchmarkFormatError(line: tokens[cursor - 1].line, message: "depot travel time for unknown visit \(id)")
            }
            depot[id - 1] = time
        }
        let pairCount = try next("the number of synchronised pairs")
        var pairs: [(Int, Int)] = []
        for _ in 0..<pairCount {
            let line = cursor < tokens.count ? tokens[cursor].line : 0
            let a = try next("a synchronised pair")
            let b = try next("a synchronised pair")
            guard (1...count).contains(a), (1...count).contains(b), a != b else {
                throw BenchmarkFormatError(line: line, message: "synchronised pair \(a) \(b) names an unknown visit")
            }
            pairs.append((a - 1, b - 1))
        }
        self.name = name
        self.vehicles = vehicles
        self.processing = processing
        self.windows = windows
        depotOpen = open
        depotClose = close
        self.travel = travel
        self.depot = depot
        self.pairs = pairs
    }

    /// Travel time between two locations, 0 being the depot and i the visit i.
    public func time(_ a: Int, _ b: Int) -> Int {
        if a == 0 && b == 0 { return 0 }
        if a == 0 { return depot[b - 1] }
        if b == 0 { return depot[a - 1] }
        return travel[a - 1][b - 1]
    }

    /// One technician per vehicle, one order per visit, each pair a group that must be split.
    public func problem() -> PlanningProblem {
        let count = processing.count + 1
        var matrix = [Int32](repeating: 0, count: count * count)
        for a in 0..<count { for b in 0..<count { matrix[a * count + b] = Int32(time(a, b)) } }
        let everyone = Array(0..<vehicles)
        let technicians = everyone.map { _ in PlanningProblem.Technician.vehicle(depot: 0, opens: depotOpen, closes: depotClose) }
        var groupOf = [Int](repeating: -1, count: processing.count)
        for (index, pair) in pairs.enumerated() {
            groupOf[pair.0] = index
            groupOf[pair.1] = index
        }
        let orders = processing.indices.map { index in
            PlanningProblem.Order.customer(
                location: index + 1, duration: processing[index], earliest: windows[index].0, latest: windows[index].1,
                eligible: everyone, group: groupOf[index])
        }
        var problem = PlanningProblem(
            scenario: nil, orderIDs: (1...processing.count).map(String.init), origin: Instant(secondsSinceEpoch: 0),
            orders: orders, technicians: technicians, groups: pairs.map { [$0.0, $0.1] }, crewQuota: [], crewIDs: [],
            locationCount: count, travel: matrix, noticeEarliest: Int.min / 4)
        problem.separateGroups = Set(pairs.indices)
        return problem
    }
}
