import ArgumentParser
import Claims
import ExperimentStore
import Foundation

/// `kvlab claims`: check the claims (SQL assertions) against the database, list them, show their history.
struct ClaimsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims",
        abstract: "Check scientific claims written as SQL assertions; list them; show their history.",
        discussion: "Example: kvlab claims check --param bits=3",
        subcommands: [Check.self, List.self, History.self]
    )

    /// `kvlab claims check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Evaluate claims on one snapshot of the database and record the verdicts.",
            discussion: """
                With no FILE, the claims shipped with kvlab (queries/claims/). A FILE may also be a directory \
                (its *.sql files) or the name of a shipped claim. A claim's kind (-- kind: synthetic, dataset \
                or model) says which runs it is about: with no runs of its kind (and of its dataset \
                parameter), it is skipped. Each claim prints one line (pass, fail, inconclusive, skipped or \
                error) followed by its failing rows; the last line is \
                `N passed, N failed, N inconclusive, N skipped`. Every evaluation is stored in \
                claim_evaluations with the claim file's hash and a fingerprint of the data (nothing is stored \
                for a read-only file, or for a skipped claim). With --sweep NAME, the claims see only the runs \
                that sweep planned (the data fingerprint then covers those runs only).
                Exit status: 0 all pass (skipped claims aside); 1 a claim (severity error) is refused by the \
                data; 4 only inconclusive claims besides passes, or every claim skipped; 3 an evaluation or \
                database error; 2 bad input (unknown \
                --param, missing file, malformed claim, a claim that would write). A failing warn claim does \
                not change the exit status.
                Example: kvlab claims check kqv-wins-at-n4 --param mixing=dense --format junit > claims.xml
                """
        )

        @Argument(
            help: ArgumentHelp("Claim files, directories or shipped claim names.", valueName: "file"),
            completion: Completions.claims)
        var paths: [String] = []

        @Option(
            name: .customLong("param"),
            help: ArgumentHelp(
                "Override a claim parameter (an integer, else a decimal number, else text). Repeatable.",
                valueName: "NAME=VALUE"))
        var params: [String] = []

        @Option(help: "Failing rows shown per claim.")
        var limit = 10

        @Option(
            help: ArgumentHelp(
                "Evaluate on the runs of one sweep only (every analysis view is restricted to them).",
                valueName: "name"))
        var sweep: String?

        @Option(help: "Output format: text, json or junit.")
        var format: ClaimReportFormat = .text

        @OptionGroup var digits: DigitsOptions

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be ≥ 0") }
        }

        func run() async throws {
            try await reportingErrors {
                let overrides = try SQLCommand.parse(params: params)
                let claims = try ClaimLoader.load(paths)
                _ = try ClaimEvaluator.parameters(for: claims, overrides: overrides)
                let writable = Self.isWritable(database.path)
                let store = try database.openExisting(writable ? .readWrite : .readOnly)
                let (report, status) = try ClaimsCommand.evaluateAndRecord(
                    claims, overrides: overrides, store: store, writable: writable,
                    scope: sweep.map { .sweep($0) } ?? .all)
                print(report.rendered(as: format, limit: limit, digits: digits.digits))
                if status != .ok { throw ExitCode(status.rawValue) }
            }
        }

        /// Whether the database file and its directory (for the WAL) are writable.
        static func isWritable(_ path: String) -> Bool {
            let files = FileManager.default
            let directory = (path as NSString).deletingLastPathComponent
            return files.isWritableFile(atPath: path)
                && files.isWritableFile(atPath: directory.isEmpty ? "." : directory)
        }
    }

    /// `kvlab claims list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List claims: the shipped ones, or those of the given files.",
            discussion: "Example: kvlab claims list --format markdown")

        @Argument(
            help: ArgumentHelp("Claim files, directories or shipped claim names.", valueName: "file"),
            completion: Completions.claims)
        var paths: [String] = []

        @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
        var format: TableFormat = .table

        func run() async throws {
            try await reportingErrors {
                let claims = try ClaimLoader.load(paths)
                let rows: [[SQLValue]] = claims.map { claim in
                    [
                        .text(claim.name), .text(claim.severity.rawValue),
                        .text(ClaimFile.Parameter.text(claim.parameters)),
                        .integer(Int64(claim.coverageMin)), .text(claim.source), .text(claim.description),
                    ]
                }
                let columns = ["name", "severity", "params", "coverage_min", "source", "description"]
                print(TableOutput.render(columns: columns, rows: rows, format: format))
            }
        }
    }

    /// `kvlab claims history`.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Show the recorded evaluations of the claims (or of one claim), oldest first.",
            discussion: """
                `changed` marks an evaluation whose verdict differs from the claim's previous one; the file hash \
                and the data fingerprint tell whether the claim or the data changed in between.
                Example: kvlab claims history qkqv-worse-kl
                """)

        @Argument(help: "Only this claim.", completion: .list(Completions.shippedClaimNames))
        var name: String?

        @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
        var format: TableFormat = .table

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await reportingErrors {
                let store = try database.openExisting(.readOnly)
                let records = try ClaimHistory.records(claim: name, in: store)
                var previous: [String: ClaimVerdict] = [:]
                var rows: [[SQLValue]] = []
                for r in records {
                    let changed = previous[r.claim].map { $0 == r.verdict ? "" : "changed" } ?? "first"
                    previous[r.claim] = r.verdict
                    rows.append([
                        .text(ClaimHistory.timestamp(r.evaluatedAt)), .text(r.claim), .text(r.verdict.rawValue),
                        .text(changed), r.coveredCells.map { .integer(Int64($0)) } ?? .null, .text(r.paramsJSON),
                        .text(String(r.fileHash.prefix(12))), .text(String(r.dataFingerprint.prefix(12))),
                        r.message.map { .text($0) } ?? .null,
                    ])
                }
                if rows.isEmpty {
                    Console.note("no claim evaluation recorded" + (name.map { " for \($0)" } ?? ""))
                    return
                }
                let columns = [
                    "evaluated_at", "claim", "verdict", "changed", "covered_cells", "params", "file_hash",
                    "data_fingerprint", "message",
                ]
                print(TableOutput.render(columns: columns, rows: rows, format: format))
            }
        }
    }
}

extension ClaimsCommand {
    /// Evaluates claims in one snapshot and records the verdicts (a warning on a read-only file).
    ///
    /// - Returns: the report and its exit status (raised to 3 when recording fails).
    static func evaluateAndRecord(
        _ claims: [ClaimFile], overrides: [String: SQLValue], store: Store, writable: Bool, scope: RunScope = .all
    ) throws -> (ClaimReport, ExitStatus) {
        let report = try ClaimEvaluator(store: store).evaluate(claims, overrides: overrides, scope: scope)
        var status = ClaimsCommand.exitStatus(report)
        if writable {
            do {
                let provenance = Provenance.current(
                    kvlabVersion: VersionInfo.kvlab,
                    command: commandLine())
                try ClaimHistory.record(report.records, provenance: provenance, in: store)
            } catch {
                Console.error("error: the verdicts could not be recorded: \(error)")
                status = max(status, .failure)
            }
        } else {
            Console.error("warning: \(store.path) is read-only; the verdicts were not recorded")
        }
        return (report, status)
    }

    /// The exit status of a check: 2 for a defective claim, 3 for an evaluation error, 1 for a refuted claim,
    /// 4 for an inconclusive one, else 0 (precedence 2 > 3 > 1 > 4 > 0; `warn` claims only count through
    /// errors).
    static func exitStatus(_ report: ClaimReport) -> ExitStatus {
        var status = ExitStatus.ok
        if !report.evaluations.isEmpty, report.evaluations.allSatisfy({ $0.verdict == .skipped }) {
            return .inconclusive
        }
        for e in report.evaluations where e.affectsExitCode {
            switch e.verdict {
            case .pass, .skipped: break
            case .fail: status = max(status, .claimRefuted)
            case .inconclusive: status = max(status, .inconclusive)
            case .error: status = max(status, e.isClaimDefect ? .badInput : .failure)
            }
        }
        return status
    }
}

extension ClaimError: KVLabReportable {
    /// Every claim loading or parameter error is bad input.
    var exitStatus: ExitStatus { .badInput }

    /// The error's description.
    var message: String { description }
}
