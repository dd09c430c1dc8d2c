import DispatchOperations
import Foundation
import SchedulingCore

/// The agenda as JSON: stable keys (sorted), times with the day's UTC offset, absent values as
/// null. Encodable values rather than dictionaries: this is the hot path of phones polling.
public enum AgendaDocument {
    public static func json(_ agenda: Agenda) throws -> Data {
        try DispatchServer.jsonData(Document(agenda))
    }

    struct Document: Encodable {
        let technician: String
        let date: String
        let timezone: String
        let planVersion: Int?
        let visits: [Visit]

        init(_ agenda: Agenda) {
            technician = agenda.technician
            date = agenda.date.description
            timezone = agenda.zone.identifier
            planVersion = agenda.version
            visits = agenda.visits.map { Visit($0, zone: agenda.zone) }
        }

        enum CodingKeys: String, CodingKey {
            case technician, date, timezone, visits
            case planVersion = "plan_version"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(technician, forKey: .technician)
            try container.encode(date, forKey: .date)
            try container.encode(timezone, forKey: .timezone)
            try container.encode(planVersion, forKey: .planVersion)
            try container.encode(visits, forKey: .visits)
        }
    }

    struct Window: Encodable {
        let start: String
        let end: String
    }

    struct Visit: Encodable {
        struct Customer: Encodable {
            let name: String
            let phone: String?
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(name, forKey: .name)
                try container.encode(phone, forKey: .phone)
            }
            enum CodingKeys: String, CodingKey { case name, phone }
        }

        struct Location: Encodable {
            let lat: Double
            let lon: Double
        }

        struct Partner: Encodable {
            let technician: String
            let order: String
        }

        let order, type, service, state: String
        let customer: Customer
        let address: String?
        let location: Location
        let window: Window?
        let plannedStart, plannedEnd: String
        let durationMinutes: Int
        let group: String?
        let contact: Bool
        let partners: [Partner]
        let notes: String?

        init(_ item: AgendaVisit, zone: ServiceTimeZone) {
            let work = item.order.order
            order = work.id
            type = work.type.rawValue
            service = work.service.rawValue
            state = item.order.status
            customer = Customer(name: work.customer.name ?? work.customer.id, phone: item.customerPhone)
            address = work.address
            location = Location(lat: work.location.latitude, lon: work.location.longitude)
            window = work.window.map { Window(start: zone.rfc3339($0.start), end: zone.rfc3339($0.end)) }
            plannedStart = zone.rfc3339(item.start)
            plannedEnd = zone.rfc3339(item.end)
            durationMinutes = work.durationMinutes
            group = work.group
            contact = item.contact
            partners = item.partners.map { Partner(technician: $0.technician, order: $0.order) }
            notes = work.notes
        }

        enum CodingKeys: String, CodingKey {
            case order, type, service, state, customer, address, location, window, group, contact, partners, notes
            case plannedStart = "planned_start"
            case plannedEnd = "planned_end"
            case durationMinutes = "duration_minutes"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(order, forKey: .order)
            try container.encode(type, forKey: .type)
            try container.encode(service, forKey: .service)
            try container.encode(state, forKey: .state)
            try container.encode(customer, forKey: .customer)
            try container.encode(address, forKey: .address)
            try container.encode(location, forKey: .location)
            try container.encode(window, forKey: .window)
            try container.encode(plannedStart, forKey: .plannedStart)
            try container.encode(plannedEnd, forKey: .plannedEnd)
            try container.encode(durationMinutes, forKey: .durationMinutes)
            try container.encode(group, forKey: .group)
            try container.encode(contact, forKey: .contact)
            try container.encode(partners, forKey: .partners)
            try container.encode(notes, forKey: .notes)
        }
    }
}

/// The calendar feed of RFC 5545: CRLF line ends, lines folded at 75 octets (never inside a
/// UTF-8 character), text escaped, times in UTC (unambiguous in every calendar app), one VEVENT
/// per order with a stable UID and a SEQUENCE raised whenever the visit moved.
enum ICalendarFeed {
    static func render(technician: String, entries: [CalendarEntry], now: Instant) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//FieldDispatch//Technician feed//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:\(escape("FieldDispatch \(technician)"))",
            "REFRESH-INTERVAL;VALUE=DURATION:PT15M", "X-PUBLISHED-TTL:PT15M",
        ]
        for entry in entries {
            let order = entry.order.order
            let zone = entry.zone
            let window = order.window.map { " Window \(zone.local($0.start).time)–\(zone.local($0.end).time)." } ?? ""
            let who = order.customer.name ?? order.customer.id
            var description = "Order \(order.id): \(order.service.rawValue) \(order.type.rawValue) for \(who).\(window)"
            if let notes = order.notes { description += " Notes: \(notes)" }
            lines += [
                "BEGIN:VEVENT",
                "UID:\(escape(order.id))@fielddispatch",
                "DTSTAMP:\(utc(now))",
                "DTSTART:\(utc(entry.start))",
                "DTEND:\(utc(entry.end))",
                "SEQUENCE:\(entry.sequence)",
                "STATUS:\(entry.cancelled ? "CANCELLED" : "CONFIRMED")",
                "SUMMARY:\(escape("\(order.type.rawValue.capitalized) \(order.service.rawValue) – \(who)"))",
                "LOCATION:\(escape(order.address ?? "\(order.location.latitude), \(order.location.longitude)"))",
                "GEO:\(order.location.latitude);\(order.location.longitude)",
                "DESCRIPTION:\(escape(description))",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20261123T010000Z`
    static func utc(_ instant: Instant) -> String {
        let text = ServiceTimeZone.utc.rfc3339(instant)  // 2026-11-23T01:00:00+00:00
        return text.prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "") + "Z"
    }

    /// RFC 5545 TEXT escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": continue
            default: out.append(character)
            }
        }
        return out
    }

    /// Folds a content line into pieces of at most 75 octets, continuation lines starting with a space.
    static func fold(_ line: String) -> String {
        var pieces: [String] = []
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            let limit = pieces.isEmpty ? 75 : 74  // a continuation's leading space counts
            if octets + size > limit {
                pieces.append(current)
                current = ""
                octets = 0
            }
            current.append(character)
            octets += size
        }
        pieces.append(current)
        return pieces.enumerated().map { $0.offset == 0 ? $0.element : " " + $0.element }.joined(separator: "\r\n")
    }
}
