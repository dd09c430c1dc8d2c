/// When the search stops, and how far along it is (0 to 1, for the temperature): by iterations
/// (deterministic), by seconds (all of them, or until `patience` iterations bring nothing better
/// when `useAllTime` is off), or with no budget by patience alone (then progress counts five
/// patiences).
struct Stopping {
    enum Budget {
        case iterations(Int)
        /// Seconds since solving began; the phase began at `from`.
        case seconds(Double, from: Double, useAllTime: Bool)
        case patience
    }

    let budget: Budget
    let patience: Int

    /// `spent` iterations of an iteration budget went to an earlier phase; `now` is the phase's start.
    init(_ options: SolverOptions, spent: Int, now: Double) {
        patience = options.patience
        if let iterations = options.iterations {
            budget = .iterations(max(0, iterations - spent))
        } else if let seconds = options.seconds {
            budget = .seconds(seconds, from: now, useAllTime: options.useAllTime)
        } else {
            budget = .patience
        }
    }

    /// The progress at this iteration, or nil to stop. `clock` (seconds since solving began) is
    /// read only under a time budget.
    func progress(iteration: Int, sinceBest: Int, clock: () -> Double) -> Double? {
        switch budget {
        case .iterations(let limit):
            return iteration < limit ? Double(iteration) / Double(limit) : nil
        case .seconds(let seconds, let from, let useAllTime):
            let done = clock()
            if done >= seconds || (!useAllTime && sinceBest >= patience) { return nil }
            return (done - from) / max(1e-9, seconds - from)
        case .patience:
            if sinceBest >= patience { return nil }
            return min(1, Double(iteration) / Double(max(1, patience * 5)))
        }
    }

    /// The iteration limit, if the budget is one.
    var iterationLimit: Int? {
        if case .iterations(let limit) = budget { return limit }
        return nil
    }
}
