import DispatchOperations
import Foundation
import SchedulingCore

/// The day's routes on a map, drawn from the coordinates alone (SVG, Web Mercator, so an
/// operator's tile server can lie under it): each technician's route from start to end location
/// in the colour of their row's dot on the chart, the visits as dots, the orders waiting as hollow
/// circles. Every route and dot names its technician or order (`data-technician`,
/// `data-order`), which links it to the chart's rows.
struct BoardMap {
    let board: Board
    /// A tile URL with `{z}`, `{x}`, `{y}`; nil: a plain background.
    let tiles: String?

    static let width = 960.0
    static let height = 600.0
    static let padding = 24.0

    /// A technician's colour: hues spread by the golden angle, dark enough for white text.
    static func colour(_ index: Int) -> String {
        let hue = (Double(index) * 137.508).truncatingRemainder(dividingBy: 360)
        return "hsl(\(Int(hue)),70%,38%)"
    }

    /// Web Mercator pixels at zoom 0 (a 256-pixel world).
    static func project(_ point: GeoPoint) -> (x: Double, y: Double) {
        let latitude = min(max(point.latitude, -85.05), 85.05) * .pi / 180
        let x = (point.longitude + 180) / 360 * 256
        let y = (1 - log(tan(latitude) + 1 / cos(latitude)) / .pi) / 2 * 256
        return (x, y)
    }

    func svg() -> String {
        let rows = board.rows.enumerated().filter { !$0.element.technician.absent && !$0.element.visits.isEmpty }
        var points: [GeoPoint] = board.unassigned.map(\.order.order.location)
        for (_, row) in rows {
            points += [row.technician.startLocation, row.technician.endLocation] + row.visits.map(\.order.order.location)
        }
        var out = SVGWriter()
        out.raw(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" width=\"\(svgNumber(Self.width))\" "
                + "height=\"\(svgNumber(Self.height))\" viewBox=\"0 0 \(svgNumber(Self.width)) \(svgNumber(Self.height))\" role=\"img\" "
                + "aria-label=\"Map of the day's routes\">")
        out.rect(x: 0, y: 0, width: Self.width, height: Self.height, fill: "#eef2f6")
        guard !points.isEmpty else {
            out.text("No route to draw.", x: 20, y: 40, size: 14, fill: "#52606d")
            out.close()
            return out.text
        }
        let projected = points.map(Self.project)
        let minX = projected.map(\.x).min() ?? 0
        let maxX = projected.map(\.x).max() ?? 0
        let minY = projected.map(\.y).min() ?? 0
        let maxY = projected.map(\.y).max() ?? 0
        // The largest zoom (at most 17) at which every point fits.
        let room = (Self.width - 2 * Self.padding, Self.height - 2 * Self.padding)
        var zoom = 17
        while zoom > 0, (maxX - minX) * pow(2, Double(zoom)) > room.0 || (maxY - minY) * pow(2, Double(zoom)) > room.1 { zoom -= 1 }
        let scale = pow(2, Double(zoom))
        // Centred: the world pixel at the map's top-left corner.
        let originX = (minX + maxX) / 2 * scale - Self.width / 2
        let originY = (minY + maxY) / 2 * scale - Self.height / 2
        func place(_ point: GeoPoint) -> (x: Double, y: Double) {
            let p = Self.project(point)
            return (p.x * scale - originX, p.y * scale - originY)
        }
        if let tiles {
            let count = Int(scale)
            for tileX in Int(floor(originX / 256))...Int(floor((originX + Self.width) / 256)) where tileX >= 0 && tileX < count {
                for tileY in Int(floor(originY / 256))...Int(floor((originY + Self.height) / 256)) where tileY >= 0 && tileY < count {
                    let url = tiles.replacingOccurrences(of: "{z}", with: String(zoom))
                        .replacingOccurrences(of: "{x}", with: String(tileX)).replacingOccurrences(of: "{y}", with: String(tileY))
                    out.raw(
                        "<image href=\"\(SVGWriter.escape(url))\" x=\"\(svgNumber(Double(tileX * 256) - originX))\" "
                            + "y=\"\(svgNumber(Double(tileY * 256) - originY))\" width=\"256\" height=\"256\"/>")
                }
            }
        }
        for (index, row) in rows {
            let id = SVGWriter.escape(row.technician.id)
            let colour = Self.colour(index)
            let stops = [row.technician.startLocation] + row.visits.map(\.order.order.location) + [row.technician.endLocation]
            let path = stops.map(place).map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
            out.raw("<g class=\"route\" data-technician=\"\(id)\"><title>\(id): \(plural(row.visits.count, "visit"))</title>")
            out.raw(
                "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.2\" stroke-opacity=\"0.8\" "
                    + "stroke-linejoin=\"round\"/>")
            let home = place(row.technician.startLocation)
            out.rect(x: home.x - 4, y: home.y - 4, width: 8, height: 8, fill: colour, stroke: "#ffffff")
            for visit in row.visits {
                let at = place(visit.order.order.location)
                out.raw(
                    "<circle class=\"stop\" data-order=\"\(SVGWriter.escape(visit.order.order.id))\" cx=\"\(svgNumber(at.x))\" "
                        + "cy=\"\(svgNumber(at.y))\" r=\"4\" fill=\"\(colour)\" stroke=\"#ffffff\" stroke-width=\"1\"/>")
            }
            out.raw("</g>")
        }
        for waiting in board.unassigned {
            let at = place(waiting.order.order.location)
            out.raw(
                "<circle class=\"waiting\" data-order=\"\(SVGWriter.escape(waiting.order.order.id))\" cx=\"\(svgNumber(at.x))\" "
                    + "cy=\"\(svgNumber(at.y))\" r=\"5\" fill=\"#ffffff\" stroke=\"#c62828\" stroke-width=\"2\"><title>"
                    + "\(SVGWriter.escape(waiting.order.order.id)) unassigned: \(SVGWriter.escape(waiting.reason))</title></circle>")
        }
        out.close()
        return out.text
    }
}
