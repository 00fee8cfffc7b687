import ArgumentParser
import Foundation

/// The `kvlab` root command.
public struct KVLab: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kvlab",
        abstract: "A persistent experiment database for KV-cache quantization research (arXiv 2605.08114).",
        version: VersionInfo.versionString,
        subcommands: [
            CodebookCommand.self,
            TrialCommand.self,
            RunCommand.self,
            ReproduceCommand.self,
            StatusCommand.self,
            RetryCommand.self,
            SweepsCommand.self,
            MergeCommand.self,
            SlurmScriptCommand.self,
            SQLCommand.self,
            AggCommand.self,
            ExportCommand.self,
            ClaimsCommand.self,
            CompareCommand.self,
            ReportCommand.self,
            BenchCommand.self,
            VerifyCommand.self,
        ]
    )

    public init() {}

    /// Parses the command line and runs the command; usage errors exit 2 (DESIGN.md), not 64.
    public static func runMain() async {
        // A full file (ulimit -f) must be an I/O error (exit 3) from the start, not only once a command has
        // installed its SignalWatcher: migrations and planning write before that.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileOutput.standardError.write(fullMessage(for: error) + "\n")
                Self.exit(withError: ExitCode(ExitStatus.badInput.rawValue))
            }
            Self.exit(withError: error)
        }
    }
}
