import ArgumentParser
import Quantization

/// kvlab's exit codes (docs/architecture.md "Command-line contract") and the one place errors are mapped to them.
///
/// Precedence where several apply: 2 > 3 > 1 > 4 > 0.
enum ExitStatus: Int32, Comparable {
    case ok = 0
    case claimRefuted = 1
    case badInput = 2
    case failure = 3
    case inconclusive = 4
    case interrupted = 130
    case terminated = 143

    /// Rank used to combine several outcomes: the higher rank wins.
    private var rank: Int {
        switch self {
        case .ok: return 0
        case .inconclusive: return 1
        case .claimRefuted: return 2
        case .failure: return 3
        case .badInput: return 4
        case .interrupted, .terminated: return 5
        }
    }

    static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rank < rhs.rank }

    /// The exit status for an error thrown by any kvlab module.
    ///
    /// Module errors conform to ``KVLabReportable``; anything else is an internal failure (3).
    static func of(_ error: any Error) -> ExitStatus {
        if let reportable = error as? any KVLabReportable { return reportable.exitStatus }
        if error is ConfigError { return .badInput }
        return .failure
    }
}

/// An error that knows its exit status and its user-facing message.
protocol KVLabReportable: Error {
    /// The exit status it maps to.
    var exitStatus: ExitStatus { get }
    /// The message printed on stderr ("what, where, how to fix").
    var message: String { get }
}

/// An error raised by the CLI itself (bad option combination, unreadable file, …).
struct CLIError: KVLabReportable, CustomStringConvertible {
    var exitStatus: ExitStatus
    var message: String

    /// A bad-input error (exit 2).
    static func badInput(_ message: String) -> CLIError { CLIError(exitStatus: .badInput, message: message) }

    /// A runtime failure (exit 3).
    static func failure(_ message: String) -> CLIError { CLIError(exitStatus: .failure, message: message) }

    var description: String { message }
}

/// Runs a command body, printing any error as `kvlab: error: …` on stderr and exiting with its code.
///
/// - Parameter body: the command's work.
/// - Throws: `ExitCode` for ArgumentParser to exit with.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as CleanExit {
        throw error
    } catch {
        let text: String
        if let reportable = error as? any KVLabReportable {
            text = reportable.message
        } else {
            text = String(describing: error)
        }
        Console.error("error: \(text)")
        throw ExitCode(ExitStatus.of(error).rawValue)
    }
}

/// Writes diagnostics to stderr (data goes to stdout).
enum Console {
    /// Prints `kvlab: <message>` on stderr.
    static func error(_ message: String) {
        FileOutput.standardError.write("kvlab: \(message)\n")
    }

    /// Prints a line on stderr (progress, notes).
    static func note(_ message: String) {
        FileOutput.standardError.write(message + "\n")
    }
}
