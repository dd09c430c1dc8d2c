import DispatchOperations
import Foundation
import SchedulingCore

/// The agenda as JSON: stable keys (sorted), times with the day's UTC offset.
public enum AgendaDocument {
    public static func json(_ agenda: Agenda) throws -> Data {
        let zone = agenda.zone
        let visits: [[String: Any]] = agenda.visits.map { item in
            let order = item.order.order
            var customer: [String: Any] = ["name": order.customer.name ?? order.customer.id]
            customer["phone"] = item.customerPhone ?? NSNull()
            var visit: [String: Any] = [
                "order": order.id, "type": order.type.rawValue, "service": order.service.rawValue, "state": item.order.status,
                "customer": customer, "location": ["lat": order.location.latitude, "lon": order.location.longitude],
                "planned_start": zone.rfc3339(item.start), "planned_end": zone.rfc3339(item.end),
                "duration_minutes": order.durationMinutes, "contact": item.contact,
                "partners": item.partners.map { ["technician": $0.technician, "order": $0.order] },
            ]
            visit["address"] = order.address ?? NSNull()
            visit["window"] = order.window.map { ["start": zone.rfc3339($0.start), "end": zone.rfc3339($0.end)] } ?? NSNull()
            visit["group"] = order.group ?? NSNull()
            visit["notes"] = order.notes ?? NSNull()
            return visit
        }
        var document: [String: Any] = [
            "technician": agenda.technician, "date": agenda.date.description, "timezone": zone.identifier, "visits": visits,
        ]
        document["plan_version"] = agenda.version ?? NSNull()
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
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
