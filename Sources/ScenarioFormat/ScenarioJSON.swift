import Foundation
import SchedulingCore

/// Writes a scenario in the file format of docs/formats.md (as JSON, which is YAML too).
public enum ScenarioJSON {
    public static func encode(_ scenario: Scenario) throws -> String {
        let zone = scenario.timeZone
        let policy: JSONValue = [
            "notice_minutes": scenario.policy.noticeMinutes.json,
            "sync_tolerance_minutes": scenario.policy.syncToleranceMinutes.json,
            "repair_deadline_hours": Dictionary(
                uniqueKeysWithValues: scenario.policy.repairDeadlineHours.map { ($0.key.rawValue, $0.value) }
            ).json,
            "vip_tiers": scenario.policy.vipTiers.map(\.rawValue).sorted().json,
            "currency": scenario.policy.currency.json,
            "in_house_hour_cost": (Double(scenario.policy.inHouseHourCost.cents) / 100).json,
            "break": scenario.policy.breakRule.map {
                ["earliest": $0.earliestStart.description.json, "latest": $0.latestStart.description.json, "minutes": $0.minutes.json]
            } ?? .null,
        ]
        let crews: [JSONValue] = scenario.crews.map { crew in
            var object: [String: JSONValue] = ["id": crew.id.json]
            if let name = crew.name { object["name"] = name.json }
            if let contract = crew.contract {
                var terms: [String: JSONValue] = [
                    "valid_from": contract.validFrom.description.json, "valid_to": contract.validTo.description.json,
                    "work_types": contract.workTypes.map(\.rawValue).json, "services": contract.services.map(\.rawValue).json,
                    "excluded_tiers": contract.excludedTiers.map(\.rawValue).json,
                    "price": Dictionary(uniqueKeysWithValues: contract.prices.map { ($0.key.rawValue, $0.value) }).json,
                ]
                if let territories = contract.territories { terms["territories"] = territories.json }
                if let quota = contract.maxOrdersPerDay { terms["max_orders_per_day"] = quota.json }
                object["contract"] = .object(terms)
            }
            return .object(object)
        }
        let technicians: [JSONValue] = scenario.technicians.map { technician in
            var object: [String: JSONValue] = [
                "id": technician.id.json, "skills": technician.skills.json,
                "shift": ["start": technician.shift.start.description.json, "end": technician.shift.end.description.json],
                "start": Self.point(technician.startLocation).json, "end": Self.point(technician.endLocation).json,
                "absent": technician.absent.json,
            ]
            if let name = technician.name { object["name"] = name.json }
            if let crew = technician.crewID { object["crew"] = crew.json }
            if let until = technician.certifiedUntil { object["certified_until"] = until.description.json }
            if let territories = technician.territories { object["territories"] = territories.json }
            return .object(object)
        }
        let orders: [JSONValue] = scenario.orders.map { Self.order($0, zone: zone) }
        var travel: [String: JSONValue] = [
            "model": "haversine", "speed_kmh": scenario.travel.speedKmh.json, "road_factor": scenario.travel.roadFactor.json,
        ]
        if !scenario.travel.dayParts.isEmpty {
            travel["day_parts"] = .array(
                scenario.travel.dayParts.map {
                    ["start": $0.start.description.json, "end": $0.end.description.json, "factor": $0.factor.json]
                })
        }
        if let service = scenario.travel.service {
            travel["model"] = service.model.json
            switch service {
            case .osrm(let url, let profile):
                travel["url"] = url.json
                travel["profile"] = profile.json
            case .valhalla(let url, let costing):
                travel["url"] = url.json
                travel["costing"] = costing.json
            case .pgrouting: break
            }
            if scenario.travel.fallback { travel["fallback"] = "haversine" }
        }
        var document: [String: JSONValue] = [
            "name": scenario.name.json, "timezone": zone.identifier.json, "date": scenario.date.description.json,
            "now": zone.rfc3339(scenario.now).json, "travel": .object(travel), "policy": policy, "crews": .array(crews),
            "technicians": .array(technicians), "orders": .array(orders),
        ]
        if let calendar = scenario.calendar {
            document["calendar"] = [
                "weekdays": calendar.weekdaysText.json,
                "holidays": .array(
                    calendar.holidays.sorted { $0.key < $1.key }.map { day, name in
                        name.map { ["date": day.description.json, "name": $0.json] } ?? day.description.json
                    }),
            ]
        }
        return JSONValue.object(document).text(pretty: true)
    }

    /// One order as a scenario file's `orders:` list holds it (and `PUT /v1/orders/{id}` takes it), times in `zone`.
    public static func order(_ order: WorkOrder, zone: ServiceTimeZone) -> JSONValue {
        var customer: [String: JSONValue] = ["id": order.customer.id.json, "tier": order.customer.tier.rawValue.json]
        if let name = order.customer.name { customer["name"] = name.json }
        if let phone = order.customer.phone { customer["phone"] = phone.json }
        var location = Self.point(order.location)
        if let address = order.address { location["address"] = address.json }
        var object: [String: JSONValue] = [
            "id": order.id.json, "type": order.type.rawValue.json, "service": order.service.rawValue.json,
            "skills": order.skills.json, "customer": .object(customer), "location": .object(location),
            "duration_minutes": order.durationMinutes.json,
        ]
        if let territory = order.territory { object["territory"] = territory.json }
        if let window = order.window {
            object["window"] = ["start": zone.rfc3339(window.start).json, "end": zone.rfc3339(window.end).json]
        }
        if let reported = order.reportedAt { object["reported_at"] = zone.rfc3339(reported).json }
        if let group = order.group { object["group"] = group.json }
        if let pin = order.pin {
            var pinned: [String: JSONValue] = ["technician": pin.technicianID.json]
            if let start = pin.start { pinned["start"] = zone.rfc3339(start).json }
            object["pinned"] = .object(pinned)
        }
        if let lock = order.lock {
            object["locked"] = ["technician": lock.technicianID.json, "start": zone.rfc3339(lock.start).json]
        }
        if let notes = order.notes { object["notes"] = notes.json }
        return .object(object)
    }

    static func point(_ p: GeoPoint) -> [String: JSONValue] { ["lat": p.latitude.json, "lon": p.longitude.json] }
}
