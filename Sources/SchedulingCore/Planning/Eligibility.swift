/// Why a technician may not take an order (DOMAIN rules 1, 8, 9 and absence), most specific first.
public enum Ineligibility: Hashable, Sendable {
    case absent
    case notCertified
    case missingSkills([String])
    case outsideTerritory
    case noContract(crew: String)
    case contractNotValid(crew: String)
    case contractExcludes(crew: String, what: String)
    case pinnedElsewhere(technician: String)
    case lockedElsewhere(technician: String)
}

extension Scenario {
    /// Nil when `technician` may take `order` on this scenario's day, else the first reason not.
    public func ineligibility(of technician: Technician, for order: WorkOrder, crews: [String: Crew]) -> Ineligibility? {
        if let lock = order.lock, lock.technicianID != technician.id { return .lockedElsewhere(technician: lock.technicianID) }
        if let pin = order.pin, pin.technicianID != technician.id { return .pinnedElsewhere(technician: pin.technicianID) }
        if technician.absent { return .absent }
        if !technician.isCertified(on: date) { return .notCertified }
        let missing = order.skills.filter { !technician.skills.contains($0) }
        if !missing.isEmpty { return .missingSkills(missing) }
        if let territories = technician.territories {
            guard let territory = order.territory, territories.contains(territory) else { return .outsideTerritory }
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
            if !contract.services.contains(order.service) { return .contractExcludes(crew: crewID, what: "\(order.service.rawValue) service") }
            if contract.excludedTiers.contains(order.customer.tier) {
                return .contractExcludes(crew: crewID, what: "\(order.customer.tier.rawValue) customers")
            }
        }
        return nil
    }
}
