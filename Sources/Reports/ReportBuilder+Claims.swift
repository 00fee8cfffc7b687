import Claims
import ExperimentStore

extension ReportBuilder {
    /// Rows of failing output shown per claim.
    static let claimRowLimit = 10

    /// The shipped claims evaluated now, read-only on the whole database (nothing is recorded).
    func evaluateClaims() -> Result<ClaimReport, any Error> {
        Result { try ClaimEvaluator(store: store, keptRows: Self.claimRowLimit).evaluate(try ClaimLoader.load([])) }
    }

    /// The claim verdicts (``evaluateClaims()``) with their failing rows.
    mutating func claimsSection(_ evaluation: Result<ClaimReport, any Error>) -> String {
        var out = "<p class=\"note\">The shipped claims (<code>queries/claims/</code>) evaluated read-only on the "
        out += "whole database (not filtered by <code>--where</code>); nothing is recorded. "
        out += "<code>kvlab claims check</code> gives the same verdicts and records them. Failing rows show "
        out += "numbers to 4 significant digits (<code>claims check --format json</code> gives them in full).</p>"
        do {
            let report = try evaluation.get()
            out += "<p><strong>\(Markup.escape(report.summaryLine))</strong> · data fingerprint "
            out += "<code>\(Markup.escape(String(report.dataFingerprint.prefix(16))))</code></p>"
            out += "<table class=\"claims\"><thead><tr><th>verdict</th><th>claim</th><th>severity</th>"
            out += "<th>parameters</th><th class=\"num\">covered cells</th><th>description</th><th>message</th>"
            out += "</tr></thead><tbody>"
            var details = ""
            for e in report.evaluations {
                let verdict = e.verdict.rawValue
                let params = e.parameters.map { "\($0.name)=\(Self.text($0.value))" }.joined(separator: ", ")
                out += "<tr data-claim=\"\(Markup.escape(e.claim.name))\" data-verdict=\"\(verdict)\">"
                out += "<td><span class=\"verdict verdict-\(verdict)\">\(verdict.uppercased())</span></td>"
                out += "<td><code>\(Markup.escape(e.claim.name))</code></td>"
                out += "<td>\(Markup.escape(e.claim.severity.rawValue))</td><td>\(Markup.escape(params))</td>"
                out += "<td class=\"num\">\(e.coveredCells.map(String.init) ?? "")</td>"
                out += "<td>\(Markup.escape(e.claim.description(with: e.parameters)))</td>"
                out += "<td>\(Markup.escape(e.message ?? ""))</td></tr>"
                if e.failingRowCount > 0 {
                    let shown = e.failingRows.prefix(Self.claimRowLimit)
                    details += "<h3>Failing rows of <code>\(Markup.escape(e.claim.name))</code> "
                    details += "(\(shown.count) of \(e.failingRowCount))</h3>"
                    let rounded = shown.map { $0.map { Self.text(NumberDigits.standard.rounded($0)) } }
                    details += Self.compactTable(e.columns, rounded)
                }
            }
            out += "</tbody></table>" + details
            let inconclusive = report.evaluations.filter { $0.verdict == .inconclusive }.map(\.claim.name)
            if !inconclusive.isEmpty {
                missing.append("claims without enough coverage (inconclusive): " + inconclusive.joined(separator: ", "))
            }
        } catch {
            out += missingNote("the claims could not be evaluated: \(error)")
        }
        return Self.section(id: "claims", title: "Claim verdicts", out)
    }

    /// A table of failing rows without the columns that hold one value in every row (listed above it
    /// instead), so wide claim outputs fit the page.
    static func compactTable(_ columns: [String], _ rows: [[String]]) -> String {
        let constant = TableOutput.constantColumns(rows)
        let kept = columns.indices.filter { !constant.contains($0) }
        var out = ""
        if !constant.isEmpty {
            let same = constant.map { "\(columns[$0])=\(rows[0][$0])" }.joined(separator: ", ")
            out += "<p class=\"note rows-note\">Same in every row shown: \(Markup.escape(same)).</p>"
        }
        return out + table(kept.map { columns[$0] }, rows.map { row in kept.map { row[$0] } }, classes: "rows")
    }
}
