import ArgumentParser
import ExperimentStore
import Foundation

/// `kvlab verify`: check a database's integrity, foreign keys, migrations, config hashes, run states,
/// trial content hashes and summaries, without writing.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: integrity, foreign keys, migrations, schema, reference tables, config "
            + "hashes, run states, trial content hashes, summaries, datasets and provenance (read-only).",
        discussion: """
            Prints one line per check, `ok` or the number of problems followed by the first problems (up to \
            --details per check). Exit status 0 when every check is clean, 3 when a problem is found or the \
            database cannot be read, 2 when there is no database. Checks: integrity (PRAGMA integrity_check), \
            foreign_keys (PRAGMA foreign_key_check), migrations (checksums, user_version, application_id), \
            schema (every table, index and view is what the migrations create), reference_tables (t_quantiles, \
            metrics and the shipped schemes hold exactly what kvlab and its migrations define), \
            configs (canonical_json re-hashes to config_hash; typed columns equal the JSON), runs (done ⇔ \
            trials_hash set, a done run has all planned trials and a summary, no trial beyond trials_planned), \
            nan_masks, trial_hashes (each done run's rows re-hash to runs.trials_hash), summaries \
            (run_summaries equal a recomputation bit for bit) and datasets (every tensor re-hashes to its \
            sha256, the tensors match the manifest, the content hash recomputes), texts (token ids re-hash) \
            and provenance (each row's checksum recomputes; rows written before checksums existed are counted \
            as unchecked, not as problems).
            Example: kvlab verify --db kvlab.sqlite --details 5
            """
    )

    /// Output formats of the report.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(help: "Problem lines shown per check.")
    var details = 20

    func run() async throws {
        let clean = try await reportingErrors { () throws -> Bool in
            guard details >= 0 else { throw CLIError.badInput("--details: \(details) must be ≥ 0") }
            let store = try database.openExisting(.readOnly, checkSchema: false)
            let report = try store.verify(maxDetails: details)
            switch format {
            case .text: print(Self.text(report))
            case .json: print(Self.json(report).rendered(pretty: true))
            }
            if !report.isClean {
                Console.error(
                    "\(report.problemCount) problem\(report.problemCount == 1 ? "" : "s") found in \(database.path)")
            }
            return report.isClean
        }
        if !clean { throw ExitCode(ExitStatus.failure.rawValue) }
    }

    /// One line per check (`name  ok (N checked)` or `name  N problems`), each problem indented below it.
    static func text(_ report: VerificationReport) -> String {
        let width = report.checks.map(\.name.count).max() ?? 0
        var lines: [String] = []
        for check in report.checks {
            let name = check.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
            let counts = "\(check.checked) checked" + (check.unchecked > 0 ? ", \(check.unchecked) unchecked" : "")
            if check.isClean {
                lines.append("\(name)ok (\(counts))")
                continue
            }
            let noun = check.problemCount == 1 ? "problem" : "problems"
            lines.append("\(name)\(check.problemCount) \(noun) (\(counts))")
            lines += check.details.map { "  " + $0 }
            if check.details.count < check.problemCount {
                lines.append("  … and \(check.problemCount - check.details.count) more")
            }
        }
        lines.append(report.isClean ? "clean" : "\(report.problemCount) problems")
        return lines.joined(separator: "\n")
    }

    /// `{"clean", "problems", "checks": [{"check", "checked", "unchecked", "problems", "details"}]}`.
    static func json(_ report: VerificationReport) -> JSONValue {
        .object([
            ("clean", .bool(report.isClean)), ("problems", .int(report.problemCount)),
            (
                "checks",
                .array(
                    report.checks.map { check in
                        .object([
                            ("check", .string(check.name)), ("checked", .int(check.checked)),
                            ("unchecked", .int(check.unchecked)),
                            ("problems", .int(check.problemCount)),
                            ("details", .array(check.details.map { .string($0) })),
                        ])
                    })
            ),
        ])
    }
}
