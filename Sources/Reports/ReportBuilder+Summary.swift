import Claims
import ExperimentStore
import Quantization

extension ReportBuilder {
    /// The paper's headline ratio KL(QKQV) / KL(KQV) at n = 4.
    static let paperRatio = 2.25

    /// The summary at the top of the page: what the data cover, the claims' verdicts, who wins where (the
    /// verdict maps' counts per budget) and the headline ratio, each in words that say when the data cannot
    /// decide or were not run.
    func summarySection(claims: Result<ClaimReport, any Error>, verdicts: [VerdictMap]) -> String {
        var items: [String] = [coverageSummary()]
        items += claimSummary(claims)
        if let overview, overview.runs > 0 {
            items.append(winnerSummary(verdicts))
            items.append(ratioSummary())
        }
        var out = "<section class=\"summary\" id=\"summary\"><h2>Summary</h2><ul>"
        out += items.map { "<li>\($0)</li>" }.joined()
        return out + "</ul></section>"
    }

    /// What the synthetic runs cover (HTML).
    private func coverageSummary() -> String {
        guard let overview, overview.runs > 0 else {
            return "No done synthetic runs" + Markup.escape(filterSuffix) + ": nothing to compare yet (<code>kvlab "
                + "run paper</code> runs the paper's sweep)."
        }
        let bits = overview.switches.first { $0.name == "bits" }?.values ?? ""
        var out = "\(overview.runs) done synthetic runs, \(overview.seeds) seeds (the replicate: a seed's value is "
        out +=
            "its run's mean over trials), budgets n = \(Markup.escape(bits.replacingOccurrences(of: ",", with: ", ")))"
        let dims = cellDimensions
        if dims.isEmpty {
            out += "; every other switch is fixed (one cell)."
        } else {
            let sizes = dims.map { d in overview.switches.first { $0.name == d }?.count ?? 1 }
            out += "; a cell is one combination of \(Markup.escape(dims.joined(separator: " × "))) "
            out += "(\(sizes.reduce(1, *)) cells)."
        }
        return out + Markup.escape(options.filter.map { " Runs filtered by --where \($0)." } ?? "")
    }

    /// The claims' verdicts: the paper's claims one by one, the others counted (HTML).
    private func claimSummary(_ claims: Result<ClaimReport, any Error>) -> [String] {
        guard case .success(let report) = claims else { return ["The claims could not be evaluated (see below)."] }
        var items = [
            "Claims, evaluated now on the whole database as <code>kvlab claims check</code> would: "
                + Markup.escape(report.summaryLine) + "."
        ]
        let paper = report.evaluations.filter { $0.claim.kind == .synthetic && !$0.claim.name.hasPrefix("sanity-") }
        for e in paper {
            var line =
                "<span class=\"verdict verdict-\(e.verdict.rawValue)\">\(e.verdict.rawValue.uppercased())</span> "
            line += "<code>\(Markup.escape(e.claim.name))</code>: "
            line += Markup.escape(e.claim.description(with: e.parameters))
            switch e.verdict {
            case .fail:
                let rows = e.failingRowCount == 1 ? "1 row" : "\(e.failingRowCount) rows"
                line += Markup.escape(" — contradicted by \(rows) (listed below).")
            case .inconclusive, .error: line += Markup.escape(" — \(e.message ?? "the data cannot decide").")
            case .skipped: line += " — not run: no synthetic runs."
            case .pass: break
            }
            items.append(line)
        }
        let others = report.evaluations.filter { e in !paper.contains { $0.claim.name == e.claim.name } }
        let evaluated = others.filter { $0.verdict != .skipped }
        if !evaluated.isEmpty {
            let failing = evaluated.filter { $0.verdict != .pass }.map { "\($0.claim.name) (\($0.verdict.rawValue))" }
            var line = "The other \(evaluated.count) evaluated claims (engine sanity, datasets, models): "
            line += failing.isEmpty ? "all pass." : "not passing: " + failing.joined(separator: ", ") + "."
            items.append(Markup.escape(line))
        }
        return items
    }

    /// Who wins where: per verdict map (and mixing), the cells each scheme wins at each budget (HTML).
    private func winnerSummary(_ maps: [VerdictMap]) -> String {
        let bits = Array(Set(maps.flatMap { $0.rows.compactMap { $0.group.last.flatMap(Self.integer) } })).sorted()
        var out = "Who wins where (cells won per budget by the paired 95% t-CI over seeds, as "
        out += "<code>kvlab compare</code> decides; “tie”: the CI covers 0; the maps below show each cell):"
        var rows: [[String]] = []
        for map in maps {
            let name = "\(map.metric.rawValue): \(map.a.rawValue) vs \(map.b.rawValue)"
            guard !map.rows.isEmpty else {
                rows.append([name, ""] + bits.map { _ in "not run" } + [map.error == nil ? "no paired runs" : "error"])
                continue
            }
            let panelIndex = panelDimension.flatMap { cellDimensions.firstIndex(of: $0) }
            let panels: [SQLValue?] = panelIndex.map { i in Self.sortedValues(map.rows.map { $0.group[i] }) } ?? [nil]
            for value in panels {
                let inPanel = map.rows.filter { row in panelIndex.map { row.group[$0] == value } ?? true }
                var row = [name, value.map { "\(panelDimension ?? "") = \(Self.text($0))" } ?? "all cells"]
                for b in bits {
                    row.append(Self.tally(inPanel.filter { $0.group.last.flatMap(Self.integer) == b }, map))
                }
                rows.append(row + [Self.tally(inPanel, map)])
            }
        }
        return out
            + Self.table(["comparison", "cells"] + bits.map { "n = \($0)" } + ["all budgets"], rows, classes: "tally")
    }

    /// `KQV 12 · tie 3`: how many rows each verdict has, the largest first; `—` for none.
    static func tally(_ rows: [CompareRow], _ map: VerdictMap) -> String {
        guard !rows.isEmpty else { return "—" }
        let counts = CompareVerdict.allCases.map { v in
            (v.label(a: map.a, b: map.b), rows.count { $0.verdict == v })
        }
        return counts.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map { "\($0.0) \($0.1)" }.joined(separator: " · ")
    }

    /// The paper's headline: the kl ratio QKQV / KQV at n = 4 pooled over every cell, with its delta-method
    /// 95% CI over seeds, against 2.25 (HTML).
    private func ratioSummary() -> String {
        let head = "Headline ratio kl(QKQV) / kl(KQV) at n = 4, pooled over the cells (one value per seed): "
        let rows: [CompareRow]
        do {
            rows = try comparison(.kl, a: .KQV, b: .QKQV, by: [], bits: 4)
        } catch {
            return head + Markup.escape("could not be computed: \(error)")
        }
        guard let pooled = rows.first else { return head + "not run (no paired KQV and QKQV runs at n = 4)." }
        guard pooled.ratioDeltaLow.isFinite, pooled.ratioDeltaHigh.isFinite else {
            return head
                + Markup.escape("\(Markup.number(pooled.ratio)) from \(pooled.n) seed; no CI (fewer than 2 seeds).")
        }
        let covers = pooled.ratioDeltaLow <= Self.paperRatio && Self.paperRatio <= pooled.ratioDeltaHigh
        var out = "\(Markup.number(pooled.ratio)), 95% CI [\(Markup.number(pooled.ratioDeltaLow)), "
        out += "\(Markup.number(pooled.ratioDeltaHigh))] (delta method, \(pooled.n) seeds); the paper reports "
        out += "\(Markup.number(Self.paperRatio)), "
        out +=
            covers
            ? "inside this interval." : "outside it (README: \u{201c}The gap to the paper's headline ratio\u{201d})."
        return head + Markup.escape(out)
    }
}
