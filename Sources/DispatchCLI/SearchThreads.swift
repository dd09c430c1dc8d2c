import ArgumentParser
import Foundation
import SchedulingCore

/// `--threads` and `--searches`: how many searches run side by side, and on how many cores.
struct SearchThreads: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Searches at once, 1–64 (default: the machine's cores). Never changes the plan: --searches does.",
            valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            """
            Searches side by side, 1–64, sharing their best plan 16 times; each spends the whole budget \
            (default: 1 with --iterations, so the same command gives the same bytes on any machine; else \
            --threads). The plan depends on --seed, --iterations and --searches, never on --threads.
            """, valueName: "k"))
    var searches: Int?

    func validate() throws {
        if let threads, !(1...64).contains(threads) { throw ValidationError("--threads must be between 1 and 64") }
        if let searches, !(1...64).contains(searches) { throw ValidationError("--searches must be between 1 and 64") }
    }

    /// The threads to use: as asked, or the machine's cores.
    var threadCount: Int { threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount) }
    /// The searches to run: as asked; one for an iteration budget (reproducible on any machine);
    /// else one per thread.
    func searchCount(iterations: Int?) -> Int { searches ?? (iterations != nil ? 1 : threadCount) }

    /// `options` with these threads and searches.
    func applied(to options: SolverOptions) -> SolverOptions {
        var options = options
        options.threads = threadCount
        options.searches = searchCount(iterations: options.iterations)
        return options
    }
}
