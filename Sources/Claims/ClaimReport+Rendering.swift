import ExperimentStore
import Foundation

extension ClaimReport {
    /// The report in a format, without a trailing newline.
    ///
    /// - Parameters:
    ///   - format: text, JSON or JUnit XML.
    ///   - limit: the most failing rows shown per claim.
    ///   - digits: how the text format prints doubles (JSON and JUnit print them in full).
    public func rendered(as format: ClaimReportFormat, limit: Int, digits: NumberDigits = .full) -> String {
        switch format {
        case .text: return text(limit: limit, digits: digits)
        case .json: return json(limit: limit).rendered(pretty: true)
        case .junit: return junit(limit: limit)
        }
    }

    /// One line per claim, its failing rows (at most `limit`) indented below, then the summary line.
    ///
    /// A line is the verdict in capitals padded to 14 characters, the claim's name, ` (warn)` for a `warn`
    /// claim, its parameters in brackets, and after a colon the covered cells and the message. Failing rows
    /// print as a table of their doubles rounded to `digits`, without the columns that are NULL in every
    /// shown row; the columns that hold one value in every shown row are listed once above it
    /// (`same in every row: name=value, …`, wrapped at ``textWidth``). A single failing row prints as its
    /// `name=value` pairs, wrapped the same way.
    public func text(limit: Int, digits: NumberDigits = .full) -> String {
        var lines: [String] = []
        for e in evaluations {
            var head = e.verdict.rawValue.uppercased().padding(toLength: 14, withPad: " ", startingAt: 0) + e.claim.name
            if e.claim.severity == .warn { head += " (warn)" }
            if !e.parameters.isEmpty { head += " [" + ClaimFile.Parameter.text(e.parameters) + "]" }
            var details: [String] = []
            if let covered = e.coveredCells { details.append("covered \(covered)") }
            if let message = e.message { details.append(message) }
            if !details.isEmpty { head += ": " + details.joined(separator: "; ") }
            lines.append(head)
            if e.verdict == .fail, limit > 0 {
                let shown = e.failingRows.prefix(limit).map { row in row.map(digits.rounded) }
                let present = e.columns.indices.filter { i in shown.contains { $0[i] != .null } }
                let constant = TableOutput.constantColumns(shown.map { row in present.map { row[$0] } }).map {
                    present[$0]
                }
                let keep = present.filter { !constant.contains($0) }
                func pairs(_ columns: [Int]) -> [String] {
                    columns.map { "\(e.columns[$0])=\(TableOutput.text(shown[0][$0]) ?? "NULL")" }
                }
                if shown.count == 1 {
                    lines += Self.wrapped("", pairs(present))
                } else {
                    lines += Self.wrapped("same in every row: ", pairs(constant))
                    let table = TableOutput.render(
                        columns: keep.map { e.columns[$0] }, rows: shown.map { row in keep.map { row[$0] } },
                        format: .table)
                    lines += table.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
                }
                if e.failingRowCount > shown.count { lines.append("    … \(e.failingRowCount - shown.count) more") }
            }
        }
        lines.append(summaryLine)
        return lines.joined(separator: "\n")
    }

    /// The width the text format's lists wrap at.
    public static let textWidth = 120

    /// Items after a lead-in, comma-separated and indented by 4, wrapped at ``textWidth`` (continuation lines
    /// indented by 6); no line when there are no items.
    static func wrapped(_ lead: String, _ items: [String]) -> [String] {
        guard !items.isEmpty else { return [] }
        var lines: [String] = []
        var line = "    " + lead
        for (index, item) in items.enumerated() {
            let piece = item + (index == items.count - 1 ? "" : ",")
            if index == 0 {
                line += piece
            } else if line.count + 1 + piece.count > textWidth {
                lines.append(line)
                line = "      " + piece
            } else {
                line += " " + piece
            }
        }
        return lines + [line]
    }

    /// The report as JSON: the data fingerprint, one object per claim (at most `limit` failing rows each)
    /// and the summary counts.
    func json(limit: Int) -> JSONValue {
        let claims: [JSONValue] = evaluations.map { e in
            .object([
                ("name", .string(e.claim.name)), ("source", .string(e.claim.source)),
                ("file_hash", .string(e.claim.fileHash)), ("severity", .string(e.claim.severity.rawValue)),
                ("verdict", .string(e.verdict.rawValue)), ("covered_cells", e.coveredCells.map { .int($0) } ?? .null),
                ("coverage_min", .int(e.claim.coverageMin)), ("params", ClaimFile.Parameter.json(e.parameters)),
                ("failing_row_count", .int(e.failingRowCount)),
                ("failing_rows", Self.rowsJSON(e.columns, Array(e.failingRows.prefix(limit)))),
                ("message", e.message.map { .string($0) } ?? .null),
            ])
        }
        return .object([
            ("data_fingerprint", .string(dataFingerprint)),
            ("evaluated_at", .string(ClaimHistory.timestamp(evaluatedAt))), ("claims", .array(claims)),
            (
                "summary",
                .object([
                    ("passed", .int(count(.pass))), ("failed", .int(count(.fail))),
                    ("inconclusive", .int(count(.inconclusive))), ("skipped", .int(count(.skipped))),
                    ("errors", .int(count(.error))),
                ])
            ),
        ])
    }

    /// The report as a JUnit XML test suite: a failing claim is a failure (a failing `warn` claim only
    /// prints in system-out), an inconclusive one is skipped, an error verdict is an error; at most `limit`
    /// failing rows per claim.
    func junit(limit: Int) -> String {
        let counted = evaluations
        let failures = counted.count { $0.verdict == .fail && $0.claim.severity == .error }
        let errors = count(.error)
        let skipped = count(.inconclusive) + count(.skipped)
        let counts = "tests=\"\(counted.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"kvlab claims\" \(counts)>\n"
        out += "  <testsuite name=\"kvlab claims\" \(counts) timestamp=\"\(ClaimHistory.timestamp(evaluatedAt))\">\n"
        out += "    <properties><property name=\"data_fingerprint\" value=\"\(dataFingerprint)\"/></properties>\n"
        for e in evaluations {
            out +=
                "    <testcase classname=\"kvlab.claims\" name=\"\(XMLText.escaped(e.claim.name))\" "
                + "file=\"\(XMLText.escaped(e.claim.source))\">\n"
            let message = XMLText.escaped(e.message ?? "")
            switch e.verdict {
            case .pass: break
            case .fail:
                let rows = TableOutput.render(
                    columns: e.columns, rows: Array(e.failingRows.prefix(limit)), format: .table)
                if e.claim.severity == .error {
                    out += "      <failure message=\"\(message)\" type=\"refuted\">\(XMLText.escaped(rows))</failure>\n"
                } else {
                    out +=
                        "      <system-out>warning (severity warn): \(message)\n\(XMLText.escaped(rows))</system-out>\n"
                }
            case .inconclusive: out += "      <skipped message=\"inconclusive: \(message)\"/>\n"
            case .skipped: out += "      <skipped message=\"skipped: \(message)\"/>\n"
            case .error: out += "      <error message=\"\(message)\" type=\"error\"/>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>"
        return out
    }

    /// The rows to store in `claim_evaluations`, one per evaluation: parameters and every kept failing
    /// row as JSON (``ClaimHistory/record(_:provenance:in:)`` writes them).
    public var records: [ClaimRecord] {
        // A skipped claim was not evaluated: nothing to record.
        evaluations.filter { $0.verdict != .skipped }.map { e in
            ClaimRecord(
                claim: e.claim.name, fileHash: e.claim.fileHash, dataFingerprint: dataFingerprint,
                paramsJSON: ClaimFile.Parameter.json(e.parameters).rendered(), severity: e.claim.severity.rawValue,
                verdict: e.verdict, coveredCells: e.coveredCells,
                failingRowsJSON: Self.rowsJSON(e.columns, e.failingRows).rendered(), message: e.message,
                evaluatedAt: evaluatedAt)
        }
    }

    /// Rows as a JSON array of objects keyed by column name.
    static func rowsJSON(_ columns: [String], _ rows: [[SQLValue]]) -> JSONValue {
        .array(rows.map { row in .object(zip(columns, row).map { ($0, TableOutput.json($1)) }) })
    }
}
