import Foundation
import SchedulingCore

/// Writes a scenario in the file format of docs/formats.md (as JSON, which is YAML too).
public enum ScenarioJSON {
    public static func encode(_ scenario: Scenario) throws -> String {
        let zone = scenario.timeZone
        func point(_ p: GeoPoint) -> [String: Any] { ["lat": p.latitude, "lon": p.longitude] }
        var policy: [String: Any] = [
            "notice_minutes": scenario.policy.noticeMinutes,
            "sync_tolerance_minutes": scenario.policy.syncToleranceMinutes,
            "repair_deadline_hours": Dictionary(
                uniqueKeysWithValues: scenario.policy.repairDeadlineHours.map { ($0.key.rawValue, $0.value) }),
            "vip_tiers": scenario.policy.vipTiers.map(\.rawValue).sorted(),
            "currency": scenario.policy.currency,
        ]
        policy["break"] =
            scenario.policy.breakRule.map {
                ["earliest": $0.earliestStart.description, "latest": $0.latestStart.description, "minutes": $0.minutes] as [String: Any]
            } ?? NSNull()
        let crews: [[String: Any]] = scenario.crews.map { crew in
            var object: [String: Any] = ["id": crew.id]
            if let name = crew.name { object["name"] = name }
            if let contract = crew.contract {
                var terms: [String: Any] = [
                    "valid_from": contract.validFrom.description, "valid_to": contract.validTo.description,
                    "work_types": contract.workTypes.map(\.rawValue), "services": contract.services.map(\.rawValue),
                    "excluded_tiers": contract.excludedTiers.map(\.rawValue),
                    "price": Dictionary(
                        uniqueKeysWithValues: contract.prices.map { ($0.key.rawValue, NSDecimalNumber(string: $0.value.description)) }),
                ]
                if let territories = contract.territories { terms["territories"] = territories }
                if let quota = contract.maxOrdersPerDay { terms["max_orders_per_day"] = quota }
                object["contract"] = terms
            }
            return object
        }
        let technicians: [[String: Any]] = scenario.technicians.map { technician in
            var object: [String: Any] = [
                "id": technician.id, "skills": technician.skills,
                "shift": ["start": technician.shift.start.description, "end": technician.shift.end.description],
                "start": point(technician.startLocation), "end": point(technician.endLocation), "absent": technician.absent,
            ]
            if let name = technician.name { object["name"] = name }
            if let crew = technician.crewID { object["crew"] = crew }
            if let until = technician.certifiedUntil { object["certified_until"] = until.description }
            if let territories = technician.territories { object["territories"] = territories }
            return object
        }
        let orders: [[String: Any]] = scenario.orders.map { order in
            var customer: [String: Any] = ["id": order.customer.id, "tier": order.customer.tier.rawValue]
            if let name = order.customer.name { customer["name"] = name }
            if let phone = order.customer.phone { customer["phone"] = phone }
            var location = point(order.location)
            if let address = order.address { location["address"] = address }
            var object: [String: Any] = [
                "id": order.id, "type": order.type.rawValue, "service": order.service.rawValue, "skills": order.skills,
                "customer": customer, "location": location, "duration_minutes": order.durationMinutes,
            ]
            if let territory = order.territory { object["territory"] = territory }
            if let window = order.window { object["window"] = ["start": zone.rfc3339(window.start), "end": zone.rfc3339(window.end)] }
            if let reported = order.reportedAt { object["reported_at"] = zone.rfc3339(reported) }
            if let group = order.group { object["group"] = group }
            if let pin = order.pin {
                var pinned: [String: Any] = ["technician": pin.technicianID]
                if let start = pin.start { pinned["start"] = zone.rfc3339(start) }
                object["pinned"] = pinned
            }
            if let lock = order.lock { object["locked"] = ["technician": lock.technicianID, "start": zone.rfc3339(lock.start)] }
            if let notes = order.notes { object["notes"] = notes }
            return object
        }
        var travel: [String: Any] = [
            "model": "haversine", "speed_kmh": scenario.travel.speedKmh, "road_factor": scenario.travel.roadFactor,
        ]
        if !scenario.travel.dayParts.isEmpty {
            travel["day_parts"] = scenario.travel.dayParts.map {
                ["start": $0.start.description, "end": $0.end.description, "factor": $0.factor]
            }
        }
        if let service = scenario.travel.service {
            travel["model"] = service.model
            switch service {
            case .osrm(let url, let profile):
                travel["url"] = url
                travel["profile"] = profile
            case .valhalla(let url, let costing):
                travel["url"] = url
                travel["costing"] = costing
            case .pgrouting: break
            }
            if scenario.travel.fallback { travel["fallback"] = "haversine" }
        }
        let document: [String: Any] = [
            "name": scenario.name, "timezone": zone.identifier, "date": scenario.date.description, "now": zone.rfc3339(scenario.now),
            "travel": travel,
            "policy": policy, "crews": crews, "technicians": technicians, "orders": orders,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
