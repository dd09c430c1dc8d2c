import ArgumentParser
import DispatchOperations
import DispatchStore
import Foundation
import ScenarioFormat
import SchedulingCore

/// Turns the errors commands meet into messages on standard error and the contract's exit codes:
/// 2 for bad input (a scenario file, a date, an unknown order, an illegal transition), 3 for a
/// conflict with another writer (try again), 1 for everything else (the database failed).
enum Failure {
    static func exit(for error: Error) -> ExitCode {
        switch error {
        case let rejected as ScenarioRejected:
            for problem in rejected.problems { printError(problem.description) }
            let count = rejected.problems.count
            printError("dispatch: rejected \(count == 1 ? "1 problem" : "\(count) problems"); nothing was stored")
            return ExitCode(2)
        case let failure as StoreError:
            // Opening the database (the only store call outside an operation): the operations' own mapping.
            return exit(for: OperationError.from(failure))
        case let input as BadInput:
            printError("dispatch: \(input.message)")
            return ExitCode(2)
        case let operation as OperationError:
            printError("dispatch: \(operation.message)")
            switch operation.category {
            case .badInput, .notFound, .gone: return ExitCode(2)
            case .conflict, .preconditionFailed: return ExitCode(3)
            case .busy: return ExitCode(4)
            case .workersLost: return ExitCode(6)
            case .storage, .unavailable: return ExitCode(1)
            }
        default:
            printError("dispatch: \(error)")
            return ExitCode(1)
        }
    }

    /// Writes to standard error after flushing standard output, so combined output stays in order.
    static func printError(_ line: String) {
        fflush(nil)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A command-line value that is well-formed but unusable (exit 2).
struct BadInput: Error {
    let message: String

    /// The `--date` of a command as a service day.
    static func serviceDay(_ text: String) throws -> LocalDate { try serviceDay(text, option: "--date") }

    static func serviceDay(_ text: String, option: String) throws -> LocalDate {
        guard let day = LocalDate(iso: text) else {
            throw BadInput(message: "\(option) '\(text)' is not a date of the form YYYY-MM-DD")
        }
        return day
    }
}

extension AsyncParsableCommand {
    /// Runs the command body, mapping failures to messages and exit codes.
    func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw Failure.exit(for: error)
        }
    }
}
