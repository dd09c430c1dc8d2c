/// Sentences a dispatcher can act on, one per unassigned code.
struct Explainer {
    let problem: PlanningProblem
    let scenario: Scenario

    private func clock(_ minute: Int) -> String {
        scenario.timeZone.local(problem.instant(minute)).time.description
    }

    private func windowText(_ index: Int) -> String {
        guard let window = scenario.orders[index].window else { return "any time" }
        return "window \(clock(problem.minute(window.start)))–\(clock(problem.minute(window.end)))"
    }

    func noQualifiedTechnician(_ index: Int) -> String {
        let order = scenario.orders[index]
        let crews = Dictionary(uniqueKeysWithValues: scenario.crews.map { ($0.id, $0) })
        if let fixedTo = order.lock?.technicianID ?? order.pin?.technicianID,
            let technician = scenario.technicians.first(where: { $0.id == fixedTo }),
            let reason = scenario.ineligibility(of: technician, for: order, crews: crews)
        {
            let kind = order.lock != nil ? "locked" : "pinned"
            return "\(kind) to \(technician.id), who \(describe(reason))"
        }
        let able = scenario.technicians.filter { !$0.absent && $0.isCertified(on: scenario.date) }
        for skill in order.skills where !able.contains(where: { $0.skills.contains(skill) }) {
            return "no certified technician at work today holds skill \(skill)"
        }
        let reasons = scenario.technicians.compactMap { technician -> String? in
            scenario.ineligibility(of: technician, for: order, crews: crews).map { "\(technician.id) \(describe($0))" }
        }
        let shown = reasons.prefix(4).joined(separator: "; ")
        return "no technician may take it: " + shown + (reasons.count > 4 ? "; and \(reasons.count - 4) more" : "")
    }

    func describe(_ reason: Ineligibility) -> String {
        switch reason {
        case .absent: return "is absent"
        case .notCertified: return "is not certified on \(scenario.date)"
        case .missingSkills(let skills): return "lacks \(skills.joined(separator: ", "))"
        case .outsideTerritory(let works, let territory):
            let theirs = works.isEmpty ? "no territory" : works.joined(separator: ", ")
            return territory.map { "works only in \(theirs), not in \($0)" } ?? "works only in \(theirs); the order has no territory"
        case .noContract(let crew): return "works for \(crew), which has no contract"
        case .contractNotValid(let crew): return "works for \(crew), whose contract is not valid on \(scenario.date)"
        case .contractExcludes(let crew, let what): return "works for \(crew), whose contract excludes \(what)"
        case .pinnedElsewhere(let technician): return "is not \(technician), to whom it is pinned"
        case .lockedElsewhere(let technician): return "is not \(technician), to whom it is locked"
        }
    }

    func noticeTooShort(_ index: Int) -> String {
        let notice = scenario.policy.noticeMinutes
        let now = scenario.timeZone.local(scenario.now).time
        return
            "\(windowText(index)) closes less than \(notice) minutes after the plan is made (\(now)), too late for the pre-arrival notice"
    }

    func windowUnreachable(_ index: Int) -> String {
        let order = problem.orders[index]
        let shifts = order.eligible.prefix(3).map { technician -> String in
            let tech = scenario.technicians[technician]
            return "\(tech.id) \(tech.shift.start)–\(tech.shift.end)"
        }.joined(separator: ", ")
        let what =
            scenario.orders[index].window == nil
            ? "its \(order.duration) minutes plus travel fit in no eligible shift"
            : "\(windowText(index)) cannot be reached, with \(order.duration) minutes of work and the travel there and back, in any "
                + "eligible shift"
        return "\(what) (\(shifts)\(order.eligible.count > 3 ? ", …" : ""))"
    }

    func groupIncomplete(_ index: Int, because culprit: Int) -> String {
        let group = scenario.orders[index].group ?? ""
        return "coordinated visit \(group) is all or nothing, and \(scenario.orders[culprit].id) in it cannot be served"
    }

    func crewQuota(_ index: Int, crews: [Int]) -> String {
        let names = crews.map { crew -> String in
            "\(problem.crewIDs[crew]) (\(problem.crewQuota[crew]) a day)"
        }.joined(separator: ", ")
        return "only contractor technicians could take it, and their crews have reached their daily quota: \(names)"
    }

    func displaced(_ index: Int, alone: [Int]) -> String {
        let names = alone.prefix(3).map { scenario.technicians[$0].id }.joined(separator: ", ")
        return "could be served alone (e.g. by \(names)) but the day is full with higher-priority or better-placed work"
    }
}
