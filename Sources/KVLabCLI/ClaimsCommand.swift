import ArgumentParser
import Claims
import ExperimentStore
import Foundation

/// `kvlab claims`: check the claims (SQL assertions) against the database, list them, show their history.
struct ClaimsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims",
        abstract: "Check scientific claims written as SQL assertions; list them; show their history.",
        subcommands: [Check.self, List.self, History.self]
    )

    /// Output formats of `claims check`.
    enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, junit
    }

    /// `kvlab claims check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Evaluate claims on one snapshot of the database and record the verdicts.",
            discussion: """
                With no FILE, the claims shipped with kvlab (queries/claims/). A FILE may also be a directory \
                (its *.sql files) or the name of a shipped claim. Each claim prints one line (pass, fail, \
                inconclusive or error) followed by its failing rows; the last line is \
                `N passed, N failed, N inconclusive`. Every evaluation is stored in claim_evaluations with the \
                claim file's hash and a fingerprint of the data (nothing is stored for a read-only file).
                Exit status: 0 all pass; 1 a claim (severity error) is refused by the data; 4 only \
                inconclusive claims besides passes; 3 an evaluation or database error; 2 bad input (unknown \
                --param, missing file, malformed claim, a claim that would write). A failing warn claim does \
                not change the exit status.
                """
        )

        @Argument(help: ArgumentHelp("Claim files, directories or shipped claim names.", valueName: "file"))
        var paths: [String] = []

        @Option(
            name: .customLong("param"),
            help: ArgumentHelp(
                "Override a claim parameter (an integer, else a decimal number, else text). Repeatable.",
                valueName: "NAME=VALUE"))
        var params: [String] = []

        @Option(help: "Failing rows shown per claim.")
        var limit = 10

        @Option(help: "Output format: text, json or junit.")
        var format: CheckFormat = .text

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
                    claims, overrides: overrides, store: store, writable: writable)
                print(ClaimsCommand.render(report, format: format, limit: limit))
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
            commandName: "list", abstract: "List claims: the shipped ones, or those of the given files.")

        @Argument(help: ArgumentHelp("Claim files, directories or shipped claim names.", valueName: "file"))
        var paths: [String] = []

        @Option(help: "Output format: table, csv, tsv, json, ndjson or markdown.")
        var format: TableFormat = .table

        func run() async throws {
            try await reportingErrors {
                let claims = try ClaimLoader.load(paths)
                let rows: [[SQLValue]] = claims.map { claim in
                    let params = claim.parameters.map { "\($0.name)=\(ClaimsCommand.literal($0.value))" }
                    return [
                        .text(claim.name), .text(claim.severity.rawValue), .text(params.joined(separator: ", ")),
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
                """)

        @Argument(help: "Only this claim.")
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
                        .text(ClaimsCommand.timestamp(r.evaluatedAt)), .text(r.claim), .text(r.verdict.rawValue),
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
    /// The exit status of a check: 2 for a defective claim, 3 for an evaluation error, 1 for a refuted claim,
    /// 4 for an inconclusive one, else 0 (DESIGN.md precedence 2 > 3 > 1 > 4 > 0; `warn` claims only count
    /// through errors).
    /// Evaluates claims in one snapshot and records the verdicts (a warning on a read-only file).
    ///
    /// - Returns: the report and its exit status (raised to 3 when recording fails).
    static func evaluateAndRecord(
        _ claims: [ClaimFile], overrides: [String: SQLValue], store: Store, writable: Bool
    ) throws -> (ClaimReport, ExitStatus) {
        let report = try ClaimEvaluator(store: store).evaluate(claims, overrides: overrides)
        var status = ClaimsCommand.exitStatus(report)
        if writable {
            do {
                let provenance = Provenance.current(
                    kvlabVersion: VersionInfo.kvlab,
                    command: (["kvlab"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
                try ClaimHistory.record(ClaimsCommand.records(report), provenance: provenance, in: store)
            } catch {
                Console.error("error: the verdicts could not be recorded: \(error)")
                status = max(status, .failure)
            }
        } else {
            Console.error("warning: \(store.path) is read-only; the verdicts were not recorded")
        }
        return (report, status)
    }

    static func exitStatus(_ report: ClaimReport) -> ExitStatus {
        var status = ExitStatus.ok
        for e in report.evaluations where e.affectsExitCode {
            switch e.verdict {
            case .pass: break
            case .fail: status = max(status, .claimRefuted)
            case .inconclusive: status = max(status, .inconclusive)
            case .error: status = max(status, e.isClaimDefect ? .badInput : .failure)
            }
        }
        return status
    }

    /// The report in a format.
    static func render(_ report: ClaimReport, format: CheckFormat, limit: Int) -> String {
        switch format {
        case .text: return text(report, limit: limit)
        case .json: return json(report, limit: limit).rendered(pretty: true)
        case .junit: return junit(report, limit: limit)
        }
    }

    /// One line per claim, its failing rows (at most `limit`) indented below, then the summary line.
    static func text(_ report: ClaimReport, limit: Int) -> String {
        var lines: [String] = []
        for e in report.evaluations {
            var head = e.verdict.rawValue.uppercased().padding(toLength: 14, withPad: " ", startingAt: 0) + e.claim.name
            if e.claim.severity == .warn { head += " (warn)" }
            if !e.parameters.isEmpty { head += " [" + parameterText(e.parameters) + "]" }
            var details: [String] = []
            if let covered = e.coveredCells { details.append("covered \(covered)") }
            if let message = e.message { details.append(message) }
            if !details.isEmpty { head += ": " + details.joined(separator: "; ") }
            lines.append(head)
            if e.verdict == .fail, limit > 0 {
                let shown = Array(e.failingRows.prefix(limit))
                let keep = e.columns.indices.filter { i in shown.contains { $0[i] != .null } }
                let table = TableOutput.render(
                    columns: keep.map { e.columns[$0] }, rows: shown.map { row in keep.map { row[$0] } },
                    format: .table)
                lines += table.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
                if e.failingRowCount > shown.count { lines.append("    … \(e.failingRowCount - shown.count) more") }
            }
        }
        lines.append(report.summaryLine)
        return lines.joined(separator: "\n")
    }

    /// The report as JSON: the data fingerprint, one object per claim and the summary counts.
    static func json(_ report: ClaimReport, limit: Int) -> JSONValue {
        let claims: [JSONValue] = report.evaluations.map { e in
            .object([
                ("name", .string(e.claim.name)), ("source", .string(e.claim.source)),
                ("file_hash", .string(e.claim.fileHash)), ("severity", .string(e.claim.severity.rawValue)),
                ("verdict", .string(e.verdict.rawValue)), ("covered_cells", e.coveredCells.map { .int($0) } ?? .null),
                ("coverage_min", .int(e.claim.coverageMin)), ("params", parametersJSON(e.parameters)),
                ("failing_row_count", .int(e.failingRowCount)),
                ("failing_rows", rowsJSON(e.columns, Array(e.failingRows.prefix(limit)))),
                ("message", e.message.map { .string($0) } ?? .null),
            ])
        }
        return .object([
            ("data_fingerprint", .string(report.dataFingerprint)),
            ("evaluated_at", .string(timestamp(report.evaluatedAt))), ("claims", .array(claims)),
            (
                "summary",
                .object([
                    ("passed", .int(report.count(.pass))), ("failed", .int(report.count(.fail))),
                    ("inconclusive", .int(report.count(.inconclusive))), ("errors", .int(report.count(.error))),
                ])
            ),
        ])
    }

    /// The report as a JUnit XML test suite: a failing claim is a failure (a failing `warn` claim only
    /// prints in system-out), an inconclusive one is skipped, an error verdict is an error.
    static func junit(_ report: ClaimReport, limit: Int) -> String {
        let counted = report.evaluations
        let failures = counted.count { $0.verdict == .fail && $0.claim.severity == .error }
        let errors = report.count(.error)
        let skipped = report.count(.inconclusive)
        let counts = "tests=\"\(counted.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"kvlab claims\" \(counts)>\n"
        out += "  <testsuite name=\"kvlab claims\" \(counts) timestamp=\"\(timestamp(report.evaluatedAt))\">\n"
        out +=
            "    <properties><property name=\"data_fingerprint\" value=\"\(report.dataFingerprint)\"/></properties>\n"
        for e in report.evaluations {
            out +=
                "    <testcase classname=\"kvlab.claims\" name=\"\(Markup.escape(e.claim.name))\" "
                + "file=\"\(Markup.escape(e.claim.source))\">\n"
            let message = Markup.escape(e.message ?? "")
            switch e.verdict {
            case .pass: break
            case .fail:
                let rows = TableOutput.render(
                    columns: e.columns, rows: Array(e.failingRows.prefix(limit)), format: .table)
                if e.claim.severity == .error {
                    out += "      <failure message=\"\(message)\" type=\"refuted\">\(Markup.escape(rows))</failure>\n"
                } else {
                    out +=
                        "      <system-out>warning (severity warn): \(message)\n\(Markup.escape(rows))</system-out>\n"
                }
            case .inconclusive: out += "      <skipped message=\"inconclusive: \(message)\"/>\n"
            case .error: out += "      <error message=\"\(message)\" type=\"error\"/>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>"
        return out
    }

    /// The records to store for a report.
    static func records(_ report: ClaimReport) -> [ClaimRecord] {
        report.evaluations.map { e in
            ClaimRecord(
                claim: e.claim.name, fileHash: e.claim.fileHash, dataFingerprint: report.dataFingerprint,
                paramsJSON: parametersJSON(e.parameters).rendered(), severity: e.claim.severity.rawValue,
                verdict: e.verdict, coveredCells: e.coveredCells,
                failingRowsJSON: rowsJSON(e.columns, e.failingRows).rendered(), message: e.message,
                evaluatedAt: report.evaluatedAt)
        }
    }

    /// Parameter values as a JSON object.
    static func parametersJSON(_ parameters: [ClaimFile.Parameter]) -> JSONValue {
        .object(parameters.map { ($0.name, TableOutput.json($0.value)) })
    }

    /// Rows as a JSON array of objects keyed by column name.
    static func rowsJSON(_ columns: [String], _ rows: [[SQLValue]]) -> JSONValue {
        .array(rows.map { row in .object(zip(columns, row).map { ($0, TableOutput.json($1)) }) })
    }

    /// `name=value, …` with text values quoted as SQL literals.
    static func parameterText(_ parameters: [ClaimFile.Parameter]) -> String {
        parameters.map { "\($0.name)=\(literal($0.value))" }.joined(separator: ", ")
    }

    /// A value as it would be typed in `--param` (text that would parse as a number is quoted).
    static func literal(_ value: SQLValue) -> String {
        guard case .text(let s) = value else { return TableOutput.text(value) ?? "NULL" }
        return SQLValue.parse(s) == value ? s : "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Unix epoch seconds as ISO 8601 UTC with milliseconds.
    static func timestamp(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}

extension ClaimError: KVLabReportable {
    /// Every claim loading or parameter error is bad input.
    var exitStatus: ExitStatus { .badInput }

    /// The error's description.
    var message: String { description }
}
