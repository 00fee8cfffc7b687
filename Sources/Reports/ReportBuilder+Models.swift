import ExperimentStore
import Foundation
import Quantization
import Statistics

extension ReportBuilder {
    /// One section per registered model with done model-level runs: next_kl and ppl_ratio against the
    /// budget per scheme (all positions, all layers, the longest text prefix run), beside the attention-level
    /// kl of the same schemes on the same model's captured caches, a table with the effective bits, and the
    /// attention-level and model-level winner of every budget (view `model_winners`).
    mutating func modelSections() -> String {
        let names: [String]
        do {
            names = try query(
                "SELECT DISTINCT model_name FROM run_means WHERE model IS NOT NULL AND \(condition) ORDER BY 1"
            ).rows.compactMap { row in row.first.flatMap { if case .text(let t) = $0 { t } else { nil } } }
        } catch {
            return Self.section(
                id: "models", title: "Model level", missingNote("the model-level runs could not be read: \(error)"))
        }
        return names.map { modelSection($0) }.joined()
    }

    /// Per scheme and budget: the mean, 95% t-CI and seed count of a value over seeds.
    typealias SchemeSeries = [String: [Int: (mean: Double, low: Double?, high: Double?, n: Int)]]

    /// Summarises per-seed values (scheme → bits → values) into means with their 95% t-CI.
    static func summarise(_ bySchemes: [String: [Int: [Double]]]) -> SchemeSeries {
        bySchemes.mapValues { byBits in
            byBits.mapValues { sample in
                let summary = Summary(sample)
                return (
                    summary.mean, summary.ciLow.isFinite ? summary.ciLow : nil,
                    summary.ciHigh.isFinite ? summary.ciHigh : nil, sample.count
                )
            }
        }
    }

    private mutating func modelSection(_ name: String) -> String {
        let id = "model-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        let title = "Model \(name): next-token quality on quantized caches"
        var out = "<p class=\"note\">The model reads its own quantized caches in every layer (the error compounds "
        out += "through the layers) and its next-token distributions are compared with the exact run's on the same "
        out += "text. The text is fixed, so the seeds vary only the quantizers' random rotations and sketches; "
        out += "every statement here is conditional on this text. Beside it, the attention-level kl of the same "
        out += "schemes on the same model's captured caches (mean over every layer and KV head).</p>"
        do {
            let tokens = try query(
                """
                SELECT max(tokens) FROM run_means
                WHERE model_name = :m AND positions IS NULL AND layers IS NULL AND \(condition)
                """, ["m": .text(name)]
            ).rows.first.flatMap { $0.first.flatMap(Self.integer) }
            guard let tokens else {
                out += missingNote("model \(name): no done runs over all positions and layers" + filterSuffix)
                return Self.section(id: id, title: title, out)
            }
            out += "<p>Text prefix: \(tokens) tokens (the longest run); all positions and layers.</p>"
            let perSeed = try query(
                """
                SELECT scheme, bits, seed, next_kl, ppl_ratio, nll_delta, next_top1_agree, bits_k, bits_v
                FROM run_means
                WHERE model_name = :m AND tokens = :t AND positions IS NULL AND layers IS NULL AND \(condition)
                """, ["m": .text(name), "t": .integer(Int64(tokens))])
            var values: [String: [String: [Int: [Double]]]] = [:]  // metric → scheme → bits → per seed
            for r in perSeed.rows {
                guard case .text(let scheme) = r[0], let bits = Self.integer(r[1]) else { continue }
                for (i, metric) in ["next_kl", "ppl_ratio", "nll_delta", "next_top1_agree", "bits_k", "bits_v"]
                    .enumerated()
                {
                    if let v = Self.double(r[3 + i]), v.isFinite {
                        values[metric, default: [:]][scheme, default: [:]][bits, default: []].append(v)
                    }
                }
            }
            let attention = try attentionKL(model: name)
            let nextKL = Self.summarise(values["next_kl"] ?? [:])
            let ppl = Self.summarise(values["ppl_ratio"] ?? [:])
            let attentionKL = Self.summarise(attention)
            out += budgetChart(nextKL, metric: "next_kl (nats)", title: "next_kl against the budget")
            out += budgetChart(ppl, metric: "ppl_ratio", title: "ppl_ratio against the budget")
            if attentionKL.isEmpty {
                out += missingNote(
                    "model \(name): no captured dataset of this model on the same token ids, so no attention-level "
                        + "kl to set beside it")
            } else {
                out += budgetChart(
                    attentionKL, metric: "kl (nats)",
                    title: "attention-level kl against the budget (same model's caches; mean over layers and heads)")
            }
            out += modelTable(values: values, attention: attentionKL)
            out += winnersTable(model: name)
        } catch {
            out += missingNote("model \(name) could not be read: \(error)")
        }
        return Self.section(id: id, title: title, out)
    }

    /// scheme → bits → per-seed mean kl over every (layer, head) of the dataset(s) with this model's SHA-256
    /// and its model-level runs' token ids, at the dataset's full length and default queries.
    private func attentionKL(model: String) throws -> [String: [Int: [Double]]] {
        let result = try query(
            """
            SELECT r.scheme, r.bits, r.seed, avg(r.kl)
            FROM run_means AS r JOIN datasets AS d ON d.content_hash = r.source
            WHERE r.tokens = d.tokens AND r.queries = min(64, d.tokens) AND abs(r.kl) <= 1.7976931348623157e308
                AND EXISTS (SELECT 1 FROM run_means AS m WHERE m.model_name = :m AND m.model = d.model_sha256
                    AND m.text = d.token_ids_sha256)
            GROUP BY r.scheme, r.bits, r.seed
            """, ["m": .text(model)])
        var out: [String: [Int: [Double]]] = [:]
        for r in result.rows {
            guard case .text(let scheme) = r[0], let bits = Self.integer(r[1]), let kl = Self.double(r[3]) else {
                continue
            }
            out[scheme, default: [:]][bits, default: []].append(kl)
        }
        return out
    }

    /// One chart: the value against the budget, a series per scheme with its 95% t-CI over seeds.
    func budgetChart(_ series: SchemeSeries, metric: String, title: String) -> String {
        let schemes = Self.sortedSchemes(Array(series.keys))
        let chartSeries = schemes.enumerated().map { i, scheme in
            FacetChart.Series(
                name: scheme, style: .scheme(scheme, index: i),
                points: (series[scheme] ?? [:]).keys.sorted().compactMap { bits in
                    guard let s = series[scheme]?[bits] else { return nil }
                    return FacetChart.Point(
                        x: bits, mean: s.mean, low: s.low, high: s.high,
                        tooltip: "\(scheme) n=\(bits): \(Markup.number(s.mean)) (\(s.n) seeds)",
                        attributes: [("scheme", scheme), ("bits", "\(bits)"), ("mean", Markup.exact(s.mean))])
                })
        }
        let chart = FacetChart(
            facets: [FacetChart.Facet(title: title, series: chartSeries)], columns: 1, yTitle: metric,
            legend: schemes.enumerated().map { i, s in FacetChart.LegendEntry(label: s, style: .scheme(s, index: i)) },
            description: "\(metric) against the budget per scheme")
        return "<h3>\(Markup.escape(title))</h3>" + chart.svg()
    }

    /// Per scheme and budget: effective bits, next_kl, ppl_ratio, nll_delta, next_top1_agree (means over
    /// seeds) and the attention-level kl.
    private func modelTable(
        values: [String: [String: [Int: [Double]]]], attention: SchemeSeries
    ) -> String {
        let stats = values.mapValues(Self.summarise)
        let schemes = Self.sortedSchemes(Array(stats["next_kl"]?.keys ?? [:].keys))
        var rows: [[String]] = []
        for scheme in schemes {
            for bits in (stats["next_kl"]?[scheme] ?? [:]).keys.sorted() {
                func cell(_ metric: String, digits: Int = 4) -> String {
                    stats[metric]?[scheme]?[bits].map { Markup.number($0.mean, digits: digits) } ?? "—"
                }
                let effective = [stats["bits_k"]?[scheme]?[bits]?.mean, stats["bits_v"]?[scheme]?[bits]?.mean]
                    .compactMap { $0 }
                rows.append([
                    scheme, "\(bits)",
                    effective.count == 2 ? Markup.number((effective[0] + effective[1]) / 2, digits: 4) : "—",
                    cell("next_kl"), cell("ppl_ratio", digits: 5), cell("nll_delta"), cell("next_top1_agree"),
                    attention[scheme]?[bits].map { Markup.number($0.mean) } ?? "—",
                    "\(stats["next_kl"]?[scheme]?[bits]?.n ?? 0)",
                ])
            }
        }
        return "<h3>Model-level metrics per scheme and budget (means over seeds)</h3>"
            + Self.table(
                [
                    "scheme", "n", "effective bits", "next_kl", "ppl_ratio", "nll_delta", "next_top1_agree",
                    "attention kl", "seeds",
                ], rows)
    }

    /// The attention-level and model-level winner of every budget (view `model_winners`).
    private func winnersTable(model: String) -> String {
        guard
            let result = try? query(
                """
                SELECT tokens, bits, schemes, attention_winner, model_winner, decided FROM model_winners
                WHERE model_name = :m ORDER BY tokens, bits
                """, ["m": .text(model)]), !result.rows.isEmpty
        else {
            return "<p class=\"note\">No budget has both levels (the model's dataset sweep and its model-level "
                + "runs share no scheme), so no winners are compared.</p>"
        }
        let rows = result.rows.map { r -> [String] in
            let a = Self.text(r[3])
            let m = Self.text(r[4])
            let verdict: String
            if Self.integer(r[5]) != 1 {
                verdict = "undecided"
            } else {
                verdict = a == m ? "same" : "different"
            }
            return [
                Self.text(r[0]), Self.text(r[1]), Self.text(r[2]), a.isEmpty ? "—" : a, m.isEmpty ? "—" : m, verdict,
            ]
        }
        var out = "<h3>Does the attention-level winner keep the model's predictions best?</h3>"
        out += "<p class=\"note\">A winner beats every other scheme at its level by the paired 95% t-CI over seeds "
        out += "(attention: mean kl over every layer and KV head; model: next_kl); undecided when either level has "
        out += "no such winner. Claim <code>model-attention-winner-is-model-winner</code> checks it.</p>"
        out += Self.table(["tokens", "n", "schemes", "attention winner", "model winner", "verdict"], rows)
        return out
    }
}
