import Foundation

/// Paths of files shipped with the package, found from this source file.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var scenarioFiles: [String] {
        let folder = packageRoot.appendingPathComponent("scenarios")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
            .map { folder.appendingPathComponent($0).path }
    }

    /// A valid scenario to which tests apply one change; `ORDER_EXTRA` lines go into the order.
    static func minimal(orderExtra: String = "", top: String = "", technicianExtra: String = "") -> String {
        """
        name: minimal
        timezone: Asia/Shanghai
        date: 2026-11-23
        \(top)
        technicians:
          - id: T1
            skills: [broadband]
            certified_until: 2027-01-01
            shift: {start: "08:00", end: "17:00"}
            start: {lat: 31.23, lon: 121.47}
        \(technicianExtra)
        orders:
          - id: WO-1
            type: install
            service: broadband
            customer: {id: C1, tier: gold}
            location: {lat: 31.24, lon: 121.48}
            duration_minutes: 60
        \(orderExtra)
        """
    }
}
