import Foundation

/// Makes realistic, seeded service days for tests and benchmarks: a city of four territories,
/// in-house technicians and contractor crews, repairs without windows and installs with
/// two-hour windows, coordinated broadband + phone pairs, expired certificates and contracts,
/// absences and a few pins.
public struct CityDayGenerator {
    public var orders: Int
    public var technicians: Int
    /// Share of orders that are members of a broadband + phone pair.
    public var pairShare = 0.2
    /// Share of technicians employed by contractor crews.
    public var contractorShare = 1.0 / 3
    /// Radius of the city in kilometres.
    public var radiusKm = 12.0
    /// nil: the classic city of four territories, where half the technicians go anywhere. A
    /// number N: a regional operator of N pie-slice territories (`sector-1` …), every technician
    /// bound to the territory they live in and each contractor's staff living in the territories
    /// its contract covers, so the day falls apart into independent regions (nightly scale-out).
    public var territoryCount: Int?
    /// Real places to put orders and homes on (the junctions of an OpenStreetMap extract's
    /// roads, `generate --osm`): each place is one of them, drawn at random, and the city's
    /// centre is their mean. nil: points in a disc of `radiusKm` around Shanghai.
    public var sites: [GeoPoint]?
    /// The day's time zone.
    public var timeZone = "Asia/Shanghai"
    /// The day generated. Contracts and certificates are dated around it (one contract lapsed
    /// 23 days before, certificates ended 53 days before), and the file's `now` is 20:00 the
    /// evening before.
    public var date = LocalDate(year: 2026, month: 11, day: 23)!
    public var seed: UInt64

    public init(orders: Int, technicians: Int, seed: UInt64) {
        self.orders = orders
        self.technicians = technicians
        self.seed = seed
    }

    static let center = GeoPoint(latitude: 31.2304, longitude: 121.4737)
    static let territories = ["north", "east", "south", "west"]

    public func scenario() -> Scenario {
        var random = SeededGenerator(seed: seed)
        let zone = ServiceTimeZone(identifier: timeZone) ?? ServiceTimeZone(identifier: "Asia/Shanghai")!
        let sites = self.sites.flatMap { $0.isEmpty ? nil : $0 }
        let center =
            sites.map {
                GeoPoint(
                    latitude: $0.map(\.latitude).reduce(0, +) / Double($0.count),
                    longitude: $0.map(\.longitude).reduce(0, +) / Double($0.count))
            } ?? Self.center
        func at(_ hour: Int, _ minute: Int = 0) -> Instant {
            zone.instant(on: date, at: LocalTime(minutesAfterMidnight: hour * 60 + minute)!)
        }
        let sectors = territoryCount.map { max(2, $0) }
        func point(inSectors allowed: [Int]? = nil) -> GeoPoint {
            if let sites {
                guard let sectors, let allowed, !allowed.isEmpty else { return sites[random.below(sites.count)] }
                let inside = sites.filter { allowed.contains(sector(of: $0, sectors)) }
                return inside.isEmpty ? sites[random.below(sites.count)] : inside[random.below(inside.count)]
            }
            let distance = radiusKm * sqrt(random.unit())
            var angle = 2 * Double.pi * random.unit()
            if let sectors, let allowed, !allowed.isEmpty {
                let width = 2 * Double.pi / Double(sectors)
                angle = Double(allowed[random.below(allowed.count)]) * width + width * (0.02 + 0.96 * random.unit())
            }
            return GeoPoint(
                latitude: center.latitude + distance * cos(angle) / 111.195,
                longitude: center.longitude + distance * sin(angle) / (111.195 * cos(center.latitude * .pi / 180)))
        }
        func sector(of p: GeoPoint, _ sectors: Int) -> Int {
            let north = p.latitude - center.latitude
            let east = (p.longitude - center.longitude) * cos(center.latitude * .pi / 180)
            var angle = atan2(east, north)
            if angle < 0 { angle += 2 * Double.pi }
            return min(sectors - 1, Int(angle / (2 * Double.pi / Double(sectors))))
        }
        func territory(_ p: GeoPoint) -> String {
            let north = p.latitude - center.latitude
            let east = (p.longitude - center.longitude) * cos(center.latitude * .pi / 180)
            if let sectors { return "sector-\(sector(of: p, sectors) + 1)" }
            if abs(north) > abs(east) { return north > 0 ? "north" : "south" }
            return east > 0 ? "east" : "west"
        }
        func choose<T>(_ items: [T]) -> T { items[random.below(items.count)] }
        // Regional operators: the sectors (0-based) each contractor's contract covers.
        let crewSectors: [String: [Int]] = sectors.map { n in ["acme": [0, 1], "bolt": [n / 2, n / 2 + 1], "lapsed": [n - 1]] } ?? [:]
        func names(_ indices: [Int]?) -> [String]? { indices.map { $0.map { "sector-\($0 + 1)" } } }

        let crews = [
            Crew(
                id: "acme", name: "Acme Networks",
                contract: Contract(
                    validFrom: date.adding(days: -326), validTo: date.adding(days: 38),
                    territories: names(crewSectors["acme"]) ?? ["north", "east"], workTypes: [.install, .move, .repair],
                    services: [.broadband, .phone],
                    excludedTiers: [.diamond], maxOrdersPerDay: max(4, orders / 8),
                    prices: [.install: Money(cents: 12000), .move: Money(cents: 10000), .repair: Money(cents: 8000)])),
            Crew(
                id: "bolt", name: "Bolt Telecom Services",
                contract: Contract(
                    validFrom: date.adding(days: -175), validTo: date.adding(days: 189),
                    territories: names(crewSectors["bolt"]), workTypes: WorkType.allCases, services: [.broadband, .phone, .iptv],
                    excludedTiers: [.diamond, .tier1A], maxOrdersPerDay: max(4, orders / 6),
                    prices: [
                        .install: Money(cents: 11000), .move: Money(cents: 9000), .repair: Money(cents: 7500), .removal: Money(cents: 4000),
                    ])),
            Crew(
                id: "lapsed", name: "Lapsed Contracting",
                contract: Contract(
                    validFrom: date.adding(days: -691), validTo: date.adding(days: -23),
                    territories: names(crewSectors["lapsed"]), workTypes: WorkType.allCases, services: Service.allCases,
                    maxOrdersPerDay: 20,
                    prices: [.install: Money(cents: 9000)])),
        ]
        var people: [Technician] = []
        for index in 0..<technicians {
            let contractor = random.unit() < contractorShare
            let crew: String? = contractor ? (random.unit() < 0.1 ? "lapsed" : choose(["acme", "bolt"])) : nil
            var skills = ["broadband", "phone"]
            let roll = random.unit()
            if roll < 0.25 { skills = ["broadband"] } else if roll < 0.45 { skills = ["phone"] }
            if random.unit() < 0.2 { skills.append("iptv") }
            if random.unit() < 0.1 { skills.append("fiber_splice") }
            let home = point(inSectors: crew.flatMap { crewSectors[$0] })
            let startHour = choose([7, 8, 8, 8, 9])
            people.append(
                Technician(
                    id: String(format: "T%03d", index + 1), name: "Technician \(index + 1)", crewID: crew, skills: skills,
                    certifiedUntil: random.unit() < 0.05 ? date.adding(days: -53) : date.adding(days: 219),
                    shift: Shift(
                        start: LocalTime(minutesAfterMidnight: startHour * 60)!, end: LocalTime(minutesAfterMidnight: (startHour + 9) * 60)!
                    ),
                    startLocation: home, endLocation: home,
                    territories: random.unit() < 0.5 || sectors != nil ? [territory(home)] : nil, absent: random.unit() < 0.03))
        }
        var work: [WorkOrder] = []
        var number = 1
        func window() -> TimeWindow? {
            let startHour = 8 + random.below(8)
            return TimeWindow(start: at(startHour), end: at(startHour + 2))
        }
        func tier() -> CustomerTier {
            let roll = random.unit()
            if roll < 0.05 { return .diamond }
            if roll < 0.15 { return .gold }
            if roll < 0.35 { return .silver }
            if roll < 0.9 { return .basic }
            return choose([.tier1A, .tier2B, .tier3A, .tier5B])
        }
        while work.count < orders {
            let place = point()
            let customer = Customer(
                id: "C\(number)", name: "Customer \(number)", tier: tier(), phone: "+86 138 \(String(format: "%04d", number % 10_000)) 0000"
            )
            let area = territory(place)
            if work.count + 2 <= orders && random.unit() < pairShare / 2 / (1 - pairShare / 2) {
                let type: WorkType = random.unit() < 0.7 ? .install : .move
                let slot = window()
                for service in [Service.broadband, .phone] {
                    work.append(
                        WorkOrder(
                            id: "WO-\(number)-\(service == .broadband ? "B" : "P")", type: type, service: service, customer: customer,
                            location: place, address: "\(number) Generated Rd", territory: area,
                            durationMinutes: service == .broadband ? 60 : 30, window: slot, group: "ORD-\(number)"))
                }
            } else {
                let roll = random.unit()
                let type: WorkType = roll < 0.4 ? .repair : roll < 0.75 ? .install : roll < 0.88 ? .move : .removal
                let service: Service = random.unit() < 0.55 ? .broadband : random.unit() < 0.8 ? .phone : .iptv
                var skills: [String]? = nil
                if service == .broadband && random.unit() < 0.05 { skills = ["broadband", "fiber_splice"] }
                let reported: Instant? = type == .repair ? at(0).adding(minutes: -random.below(36 * 60)) : nil
                work.append(
                    WorkOrder(
                        id: "WO-\(number)", type: type, service: service, skills: skills, customer: customer, location: place,
                        address: "\(number) Generated Rd", territory: area,
                        durationMinutes: type == .repair ? choose([30, 45, 60, 90]) : choose([45, 60, 90, 120]),
                        window: type == .repair && random.unit() < 0.7 ? nil : window(), reportedAt: reported))
            }
            number += 1
        }
        // A few pins to a technician who can work that day.
        let workers = people.filter { !$0.absent && $0.crewID == nil }
        if !workers.isEmpty {
            for index in stride(from: 7, to: work.count, by: 97) where work[index].group == nil {
                work[index].pin = Pin(technicianID: workers[index % workers.count].id)
            }
        }
        return Scenario(
            name: "city-\(orders)-\(technicians)-\(seed)", timeZone: zone, date: date,
            now: zone.instant(on: date.adding(days: -1), at: LocalTime(minutesAfterMidnight: 20 * 60)!),
            crews: crews, technicians: people, orders: work)
    }
}
