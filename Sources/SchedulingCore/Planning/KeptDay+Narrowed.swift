extension KeptDay {
    /// The same trial for `work` on the part of the day it can touch: the technicians who may do
    /// some of it, every technician of their contractors' crews (a daily quota counts the whole
    /// crew), every technician sharing a kept coordinated visit with one of those (to a fixed
    /// point), and their visits. Every other route is left out of the problem: a trial insertion
    /// changes one route per member, kept visits are fixed to their technicians and starts, and a
    /// route's feasibility and cost read that route alone — so where the work fits, and what it
    /// adds, is what the whole day gives (`KeptDayNarrowingTests` compares the two on generated
    /// days). A slot offer tries fourteen days of 2,000 orders: most routes cannot take the order.
    ///
    /// The whole day's travel table is made first (`TravelTables.shared`), so each narrowed
    /// trial's places are in it, whatever part of the day the work reaches.
    public static func narrowed(day: Scenario, kept: [PlannedVisit], for work: [WorkOrder]) -> KeptDay {
        let crews = day.crewsByID
        let mayDo = day.technicians.filter { technician in
            !technician.absent && work.contains { day.ineligibility(of: technician, for: $0, crews: crews) == nil }
        }
        return narrowed(day: day, kept: kept, for: work, mayDo: Set(mayDo.map(\.id)))
    }

    /// The same, `mayDo` naming the technicians working that day who may do some of `work`, as
    /// the caller has worked them out (a slot offer explains its closed windows from them too).
    public static func narrowed(day: Scenario, kept: [PlannedVisit], for work: [WorkOrder], mayDo: Set<String>) -> KeptDay {
        TravelTables.shared.prepare(day)
        var keep = mayDo
        let keptCrews = Set(day.technicians.filter { keep.contains($0.id) }.compactMap(\.crewID))
        keep.formUnion(day.technicians.filter { $0.crewID.map(keptCrews.contains) ?? false }.map(\.id))
        let groups = Dictionary(grouping: kept.filter { $0.group != nil }, by: { $0.group ?? "" }).values.map { Set($0.map(\.technician)) }
        var grown = true
        while grown {
            grown = false
            for technicians in groups where !technicians.isDisjoint(with: keep) && !technicians.isSubset(of: keep) {
                keep.formUnion(technicians)
                grown = true
            }
        }
        let visits = kept.filter { keep.contains($0.technician) }
        let wanted = Set(visits.map(\.order) + work.map(\.id))
        var narrowed = day
        narrowed.technicians = day.technicians.filter { keep.contains($0.id) }
        narrowed.orders = day.orders.filter { wanted.contains($0.id) }
        return KeptDay(day: narrowed, kept: visits)
    }
}
