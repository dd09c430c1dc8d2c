/// Why a technician may not take an order (DOMAIN rules 1, 8, 9 and absence), most specific first.
public enum Ineligibility: Hashable, Sendable {
    case absent
    case notCertified
    case missingSkills([String])
    /// The technician works only in `works`; the order is in `territory` (nil: none).
    case outsideTerritory(works: [String], territory: String?)
    case noContract(crew: String)
    case contractNotValid(crew: String)
    case contractExcludes(crew: String, what: String)
    case pinnedElsewhere(technician: String)
    case lockedElsewhere(technician: String)
}

extension WorkOrder {
    /// What `Scenario.ineligibility(of:for:crews:)` reads of an order, and nothing else: orders
    /// with equal keys are open to the same technicians (a day's thousand orders have a few
    /// dozen keys, so who may take them is worked out once a key, not once an order).
    struct EligibilityKey: Hashable {
        let locked: String?
        let pinned: String?
        let skills: [String]
        let territory: String?
        let type: WorkType
        let service: Service
        let tier: CustomerTier
    }

    var eligibilityKey: EligibilityKey {
        EligibilityKey(
            locked: lock?.technicianID, pinned: pin?.technicianID, skills: skills, territory: territory, type: type,
            service: service, tier: customer.tier)
    }
}

extension Scenario {
    /// Nil when `technician` may take `order` on this scenario's day, else the first reason not.
    /// Reads of the order only what `WorkOrder.eligibilityKey` holds.
    public func ineligibility(of technician: Technician, for order: WorkOrder, crews: [String: Crew]) -> Ineligibility? {
        if let lock = order.lock, lock.technicianID != technician.id { return .lockedElsewhere(technician: lock.technicianID) }
        if let pin = order.pin, pin.technicianID != technician.id { return .pinnedElsewhere(technician: pin.technicianID) }
        if technician.absent { return .absent }
        if !technician.isCertified(on: date) { return .notCertified }
        let missing = order.skills.filter { !technician.skills.contains($0) }
        if !missing.isEmpty { return .missingSkills(missing) }
        if let territories = technician.territories {
            guard let territory = order.territory, territories.contains(territory) else {
                return .outsideTerritory(works: territories, territory: order.territory)
            }
        }
        if let crewID = technician.crewID {
            guard let contract = crews[crewID]?.contract else { return .noContract(crew: crewID) }
            if !contract.isValid(on: date) { return .contractNotValid(crew: crewID) }
            if let territories = contract.territories {
                guard let territory = order.territory, territories.contains(territory) else {
                    return .contractExcludes(crew: crewID, what: "territory \(order.territory ?? "(none)")")
                }
            }
            if !contract.workTypes.contains(order.type) { return .contractExcludes(crew: crewID, what: "\(order.type.rawValue) work") }
            if !contract.services.contains(order.service) {
                return .contractExcludes(crew: crewID, what: "\(order.service.rawValue) service")
            }
            if contract.excludedTiers.contains(order.customer.tier) {
                return .contractExcludes(crew: crewID, what: "\(order.customer.tier.rawValue) customers")
            }
        }
        return nil
    }
}

extension Scenario {
    /// Why `technician` can take none of `orders` on this day, in words a dispatcher acts on
    /// ("certificate ended 2026-10-01", "no order needs only their skills (broadband)"); nil
    /// when some order is open to them (an idle technician then simply had no work left).
    /// Pins and locks elsewhere are not counted: those orders are spoken for, not closed.
    public func idleReason(of technician: Technician, orders: [WorkOrder], crews: [String: Crew]) -> String? {
        if technician.absent { return "absent" }
        if !technician.isCertified(on: date) {
            return technician.certifiedUntil.map { "certificate ended \($0)" } ?? "no certificate (certified_until is not set)"
        }
        if let crewID = technician.crewID {
            guard let contract = crews[crewID]?.contract else { return "crew \(crewID) has no contract" }
            if !contract.isValid(on: date) {
                return date < contract.validFrom
                    ? "contract of crew \(crewID) starts \(contract.validFrom)" : "contract of crew \(crewID) ended \(contract.validTo)"
            }
        }
        guard !orders.isEmpty else { return nil }
        var counts: [String: Int] = [:]
        for order in orders {
            var free = order
            free.pin = nil
            free.lock = nil
            switch ineligibility(of: technician, for: free, crews: crews) {
            case nil: return nil
            case .missingSkills: counts["skills", default: 0] += 1
            case .outsideTerritory: counts["territory", default: 0] += 1
            case .contractExcludes: counts["contract", default: 0] += 1
            default: counts["other", default: 0] += 1
            }
        }
        let most = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        switch most {
        case "skills": return "no order of the day needs only their skills (\(technician.skills.joined(separator: ", ")))"
        case "territory": return "no order of the day in their territories (\((technician.territories ?? []).joined(separator: ", ")))"
        case "contract": return "the contract of crew \(technician.crewID ?? "") allows none of the day's orders"
        default: return "no order of the day is open to them"
        }
    }
}
