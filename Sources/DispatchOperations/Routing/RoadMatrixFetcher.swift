import SchedulingCore

/// Asks a routing engine for the legs from each of some places to each of others, in requests
/// the engine takes: square-ish blocks as big as `fits` allows (50 × 50 for OSRM's 100
/// locations and for Valhalla's 2,500 pairs; 1 × 99 for one new place's row on OSRM). A request
/// the engine refuses as too big is split in half and asked again, so a server configured below
/// the defaults still answers.
public struct RoadMatrixFetcher: Sendable {
    public let engine: any RoutingEngine
    /// Called after each answered request with the pairs done so far and in all.
    public let progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    public init(engine: any RoutingEngine, progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.engine = engine
        self.progress = progress
    }

    /// The legs, row by source and column by destination (nil: no route), and the requests made.
    public func fetch(sources: [GeoPoint], destinations: [GeoPoint]) async throws -> (legs: [[RoadLegs.Leg?]], requests: Int) {
        var legs = Array(repeating: Array(repeating: RoadLegs.Leg?.none, count: destinations.count), count: sources.count)
        guard !sources.isEmpty, !destinations.isEmpty else { return (legs, 0) }
        var block = Self.block(sources: sources.count, destinations: destinations.count, fits: engine.fits)
        var requests = 0
        var done = 0
        let total = sources.count * destinations.count
        var pending = Self.blocks(sources: 0..<sources.count, destinations: 0..<destinations.count, size: block)
        while let (rows, columns) = pending.first {
            pending.removeFirst()
            do {
                requests += 1
                let answer = try await engine.table(sources: Array(sources[rows]), destinations: Array(destinations[columns]))
                for (i, row) in zip(rows, answer) {
                    for (j, leg) in zip(columns, row) { legs[i][j] = leg }
                }
                done += rows.count * columns.count
                progress?(done, total)
            } catch let error as RoutingError where error.tooBig && rows.count * columns.count > 1 {
                // Half the block, the longer side first, and the same size for the blocks left.
                block = rows.count >= columns.count ? (max(1, rows.count / 2), columns.count) : (rows.count, max(1, columns.count / 2))
                pending =
                    Self.blocks(sources: rows, destinations: columns, size: block)
                    + pending.flatMap { Self.blocks(sources: $0.0, destinations: $0.1, size: block) }
            }
        }
        return (legs, requests)
    }

    /// The biggest block the engine takes: the largest square first, then the side the matrix
    /// still has room on grown as far as it fits.
    public static func block(sources: Int, destinations: Int, fits: (Int, Int) -> Bool) -> (Int, Int) {
        var side = 1
        while side < max(sources, destinations), fits(min(side + 1, sources), min(side + 1, destinations)) { side += 1 }
        var rows = min(side, sources)
        var columns = min(side, destinations)
        while columns < destinations, fits(rows, columns + 1) { columns += 1 }
        while rows < sources, fits(rows + 1, columns) { rows += 1 }
        return (rows, columns)
    }

    public static func blocks(sources: Range<Int>, destinations: Range<Int>, size: (Int, Int)) -> [(Range<Int>, Range<Int>)] {
        var result: [(Range<Int>, Range<Int>)] = []
        for row in stride(from: sources.lowerBound, to: sources.upperBound, by: size.0) {
            for column in stride(from: destinations.lowerBound, to: destinations.upperBound, by: size.1) {
                result.append((row..<min(row + size.0, sources.upperBound), column..<min(column + size.1, destinations.upperBound)))
            }
        }
        return result
    }
}
