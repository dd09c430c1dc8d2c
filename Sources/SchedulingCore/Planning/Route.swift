/// One technician's day as a sequence of elements, with the schedule cached for O(1) checks.
///
/// Elements are orders and at most one break. The break is taken on arrival at the next stop
/// (travel, then break, then work), so its "location" is that of the next real stop and it adds
/// no travel of its own; when arriving would be too late for it, it is taken on the way, at its
/// latest start (CONTRACT H4 lets it sit anywhere in the gap): its entry in `start` stays the
/// on-arrival time, past that latest start, and the plan's `break_start` is the latest start. Its
/// own latest start bounds the departure from the stop before it. Members of a coordinated group done by this technician follow their head
/// back to back: a continuation starts exactly when the element before it ends, at the same place.
struct Route {
    struct Element {
        /// Order index, or -1 for the break.
        var order: Int
        var location: Int
        var duration: Int
        var earliest: Int
        var latest: Int
        /// Runs back to back after the previous element (a later member of a group block).
        var continuation: Bool

        var isBreak: Bool { order < 0 }
    }

    let technician: Int
    /// The technician's day, copied here so the hot checks read no more than the route.
    let startLocation: Int
    let endLocation: Int
    let shiftStart: Int
    let shiftEnd: Int
    let capacity: Int
    let hasBreak: Bool
    private(set) var elements: [Element] = []
    /// Start of each element, as early as possible.
    private(set) var start: [Int] = []
    /// Latest start of each element that keeps the rest of the day feasible.
    private(set) var latest: [Int] = []
    /// Arrival at the end location, and the latest allowed.
    private(set) var returnTime = 0
    /// Travel in the problem's time unit, and the load carried.
    private(set) var travelTotal = 0
    private(set) var load = 0
    private(set) var feasible = true
    var orderCount = 0

    init(technician: Int, problem: PlanningProblem) {
        self.technician = technician
        let tech = problem.technicians[technician]
        startLocation = tech.startLocation
        endLocation = tech.endLocation
        shiftStart = tech.shiftStart
        shiftEnd = tech.shiftEnd
        capacity = tech.capacity
        hasBreak = tech.hasBreak
        if tech.hasBreak {
            elements = [
                Element(
                    order: -1, location: tech.endLocation, duration: tech.breakMinutes,
                    earliest: tech.breakEarliest, latest: tech.breakLatest, continuation: false)
            ]
        }
        refresh(problem)
    }

    var isEmpty: Bool { orderCount == 0 }
    var breakIndex: Int? { elements.firstIndex { $0.isBreak } }

    /// Recomputes locations of the break, times, latest starts and travel. O(n).
    mutating func refresh(_ problem: PlanningProblem) {
        let n = elements.count
        // The break sits where the next real stop is.
        var nextLocation = endLocation
        for i in stride(from: n - 1, through: 0, by: -1) {
            if elements[i].isBreak { elements[i].location = nextLocation } else { nextLocation = elements[i].location }
        }
        if start.count != n {
            start = [Int](repeating: 0, count: n)
            latest = [Int](repeating: 0, count: n)
        }
        var time = shiftStart
        var location = startLocation
        var travel = 0
        var ok = true
        var carried = 0
        orderCount = 0
        for i in 0..<n {
            let element = elements[i]
            if !element.isBreak { carried += problem.orders[element.order].demand }
            // The leg into the break is the drive to the next stop; the leg out of it is zero.
            let arrival = problem.arrival(location, element.location, leaving: time)
            travel += arrival - time
            if !element.isBreak { orderCount += 1 }
            let begin = max(arrival, element.earliest)
            // A break needs only to begin by its latest start once the technician has left.
            if (element.isBreak ? max(time, element.earliest) : begin) > element.latest { ok = false }
            start[i] = begin
            time = begin + element.duration
            location = element.location
        }
        returnTime = problem.arrival(location, endLocation, leaving: time)
        travel += returnTime - time
        if returnTime > shiftEnd { ok = false }
        var bound = shiftEnd
        var after = endLocation
        for i in stride(from: n - 1, through: 0, by: -1) {
            let element = elements[i]
            // A break's latest start bounds the departure before it: its arrival may be later by the leg.
            let own =
                element.isBreak
                ? problem.arrival(i > 0 ? elements[i - 1].location : startLocation, element.location, leaving: element.latest)
                : element.latest
            bound = min(own, problem.departure(element.location, after, arriving: bound) - element.duration)
            latest[i] = bound
            after = element.location
        }
        travelTotal = travel
        load = carried
        feasible = ok && carried <= capacity
    }

    /// The first position (0...count) where a unit that can end no sooner than `earliestEnd` may
    /// go: before it, every visit's latest start is sooner, and a unit put before a visit must end
    /// before that visit starts (`insertion` refuses each such position); a route's break, which
    /// moves, is never passed over. Latest starts only grow along a route, so this is a binary
    /// search: on tight windows most of a route is skipped without a look.
    func firstPosition(endingNoSoonerThan earliestEnd: Int) -> Int {
        var low = 0
        var high = elements.count
        while low < high {
            let middle = (low + high) / 2
            if latest[middle] < earliestEnd { low = middle + 1 } else { high = middle }
        }
        if hasBreak, low > 0, let index = breakIndex, index < low { return index }
        return low
    }

    /// Where a unit may be inserted before element `position` (0...count), as the interval of
    /// start times that keeps the whole day feasible, and the extra travel; nil if none.
    ///
    /// `duration` is the whole block's; `earliest`/`latest` bound the head's start. O(1).
    func insertion(
        at position: Int, location: Int, duration: Int, earliest: Int, latest unitLatest: Int,
        problem: PlanningProblem
    ) -> (low: Int, high: Int, extraTravel: Int)? {
        let n = elements.count
        if position < n && elements[position].continuation { return nil }
        // The real stops around the gap (the break is transparent for travel).
        var before = position - 1
        if before >= 0 && elements[before].isBreak { before -= 1 }
        let previousLocation = before >= 0 ? elements[before].location : startLocation
        let previousEnd = before >= 0 ? start[before] + elements[before].duration : shiftStart
        var arrival: Int
        if position - 1 >= 0 && elements[position - 1].isBreak {
            // The break now happens on arrival at the new unit (or on the way, leaving by its latest start).
            let breakElement = elements[position - 1]
            if previousEnd > breakElement.latest { return nil }
            arrival = max(problem.arrival(previousLocation, location, leaving: previousEnd), breakElement.earliest) + breakElement.duration
        } else {
            arrival = problem.arrival(previousLocation, location, leaving: previousEnd)
        }
        let low = max(arrival, earliest)
        var high = unitLatest
        var nextLocation = endLocation
        if position < n && elements[position].isBreak {
            // The unit leaves for the next stop by the break's latest start, and the break then
            // ends in time for what follows it.
            nextLocation = elements[position].location
            let following = (position + 1 < n ? latest[position + 1] : shiftEnd) - elements[position].duration
            high = min(
                high, problem.departure(location, nextLocation, arriving: following) - duration, elements[position].latest - duration)
        } else if position < n {
            nextLocation = elements[position].location
            high = min(high, problem.departure(location, nextLocation, arriving: latest[position]) - duration)
        } else {
            high = min(high, problem.departure(location, nextLocation, arriving: shiftEnd) - duration)
        }
        guard low <= high else { return nil }
        // Travel: previous real stop -> unit -> next real stop, instead of previous -> next.
        var nextReal = position
        if nextReal < n && elements[nextReal].isBreak { nextReal += 1 }
        let followingLocation = nextReal < n ? elements[nextReal].location : endLocation
        // (By time of day: the legs leaving when they would, the unit started as early as it can.)
        let extra =
            problem.drive(previousLocation, location, leaving: previousEnd)
            + problem.drive(location, followingLocation, leaving: low + duration)
            - problem.drive(previousLocation, followingLocation, leaving: previousEnd)
        return (low, high, extra)
    }

    /// Rearranges the elements (the caller keeps blocks whole and the break once) and reschedules.
    mutating func rearrange(_ problem: PlanningProblem, _ change: (inout [Element]) -> Void) {
        change(&elements)
        refresh(problem)
    }

    mutating func insert(_ block: [Element], at position: Int, problem: PlanningProblem) {
        elements.insert(contentsOf: block, at: position)
        refresh(problem)
    }

    /// Removes every element whose order is in `orders`; the break stays.
    mutating func remove(orders: Set<Int>, problem: PlanningProblem) {
        elements.removeAll { !$0.isBreak && orders.contains($0.order) }
        refresh(problem)
    }

    /// Moves the break to the feasible position that brings the technician home earliest.
    mutating func placeBreak(_ problem: PlanningProblem) {
        guard let current = breakIndex else { return }
        let breakElement = elements.remove(at: current)
        var best = current
        var bestReturn = Int.max
        var trial = self
        for position in 0...elements.count {
            if position < elements.count && elements[position].continuation { continue }
            trial.elements = elements
            trial.elements.insert(breakElement, at: position)
            trial.refresh(problem)
            if trial.feasible && trial.returnTime < bestReturn {
                bestReturn = trial.returnTime
                best = position
            }
        }
        elements.insert(breakElement, at: best)
        refresh(problem)
    }
}
