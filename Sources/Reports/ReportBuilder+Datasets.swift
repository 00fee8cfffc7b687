import ExperimentStore
import Foundation
import Quantization
import Statistics

extension ReportBuilder {
    /// The per-(layer, KV head) values of one dataset: scheme → bits → cell → seed → the run's mean kl.
    struct DatasetRuns {
        struct Cell: Hashable, Comparable {
            var layer: Int
            var head: Int

            static func < (a: Cell, b: Cell) -> Bool { (a.layer, a.head) < (b.layer, b.head) }
        }

        var values: [String: [Int: [Cell: [Int: Double]]]] = [:]
        var layers: Int = 0
        var heads: Int = 0

        /// The mean over seeds of a scheme in a cell.
        func mean(_ scheme: String, bits: Int, cell: Cell) -> Double? {
            guard let v = values[scheme]?[bits]?[cell], !v.isEmpty else { return nil }
            return v.values.reduce(0, +) / Double(v.count)
        }
    }

    /// One section per dataset with done runs: heat maps (layer × KV head) of the kl ratio QKQV/KQV and of
    /// the kl winner among KV, KQV and QKQV at one budget, and kl against bits per scheme.
    mutating func datasetSections() -> String {
        let names: [String]
        do {
            names = try query(
                "SELECT DISTINCT dataset FROM run_means WHERE dataset IS NOT NULL AND \(condition) ORDER BY 1"
            ).rows.compactMap { row in row.first.flatMap { if case .text(let t) = $0 { t } else { nil } } }
        } catch {
            return Self.section(
                id: "datasets", title: "Captured datasets", missingNote("the datasets could not be read: \(error)"))
        }
        return names.map { datasetSection($0) }.joined()
    }

    private mutating func datasetSection(_ name: String) -> String {
        let id = "dataset-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        var out = "<p class=\"note\">Captured caches of a real model: the data are fixed, so the seeds vary only "
        out += "the quantizers' random rotations and sketches; every statement here is conditional on this text. "
        out += "A cell is one (layer, KV head); a seed's value is its run's mean kl over trials.</p>"
        do {
            let runs = try datasetRuns(name)
            let allBits = Set(runs.values.values.flatMap(\.keys)).sorted()
            guard !allBits.isEmpty else {
                out += missingNote("dataset \(name): no done runs with kl" + filterSuffix)
                return Self.section(id: id, title: "Dataset \(name)", out)
            }
            let bits = allBits.contains(4) ? 4 : allBits[allBits.count / 2]
            out += ratioMap(runs, bits: bits)
            out += try winnerMap(runs, dataset: name, bits: bits)
            out += klAgainstBits(runs, bits: allBits)
        } catch {
            out += missingNote("dataset \(name) could not be read: \(error)")
        }
        return Self.section(id: id, title: "Dataset \(name)", out)
    }

    private func datasetRuns(_ name: String) throws -> DatasetRuns {
        let result = try query(
            """
            SELECT scheme, bits, layer, head, seed, kl FROM run_means
            WHERE dataset = :dataset AND \(condition) AND abs(kl) <= 1.7976931348623157e308
            """, ["dataset": .text(name)])
        var runs = DatasetRuns()
        for r in result.rows {
            guard case .text(let scheme) = r[0], let bits = Self.integer(r[1]), let layer = Self.integer(r[2]),
                let head = Self.integer(r[3]), let seed = Self.integer(r[4]), let kl = Self.double(r[5])
            else { continue }
            runs.values[scheme, default: [:]][bits, default: [:]][
                DatasetRuns.Cell(layer: layer, head: head), default: [:]][
                    seed] = kl
            runs.layers = max(runs.layers, layer + 1)
            runs.heads = max(runs.heads, head + 1)
        }
        return runs
    }

    /// kl ratio QKQV / KQV (means over seeds) per (layer, head), shaded on a log scale.
    private func ratioMap(_ runs: DatasetRuns, bits: Int) -> String {
        var out = "<h3>kl ratio QKQV / KQV at n = \(bits) (layer × KV head)</h3>"
        out += "<p class=\"note\">Above 1 (red) QKQV's attention is further from the exact one than KQV's; the "
        out += "paper reports about 2.25 on synthetic data.</p>"
        out += "<table class=\"heat\"><thead><tr><th>layer</th>"
        for h in 0..<runs.heads { out += "<th class=\"num\">head \(h)</th>" }
        out += "</tr></thead><tbody>"
        for l in 0..<runs.layers {
            out += "<tr><td>\(l)</td>"
            for h in 0..<runs.heads {
                let cell = DatasetRuns.Cell(layer: l, head: h)
                guard let a = runs.mean("KQV", bits: bits, cell: cell),
                    let b = runs.mean("QKQV", bits: bits, cell: cell),
                    a > 0
                else {
                    out += "<td class=\"num\">—</td>"
                    continue
                }
                let ratio = b / a
                // Hue: red above 1, blue below; saturation grows with |log2 ratio| up to 2 (×4).
                let strength = min(1, abs(log2(ratio)) / 2)
                let hue = ratio >= 1 ? 0 : 220
                let light = Int((95 - 40 * strength).rounded())
                out += "<td class=\"num\" style=\"background: hsl(\(hue), 70%, \(light)%)\" data-layer=\"\(l)\" "
                out +=
                    "data-head=\"\(h)\" data-ratio=\"\(Markup.exact(ratio))\">\(Markup.number(ratio, digits: 3))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }

    /// The kl winner per (layer, head): the scheme that beats each of the other two by the verdict of
    /// `kvlab compare` (``CompareEngine``, paired 95% t-CI over seeds); none otherwise.
    private func winnerMap(_ runs: DatasetRuns, dataset: String, bits: Int) throws -> String {
        let schemes: [Scheme] = [.KV, .KQV, .QKQV]
        var out = "<h3>kl winner at n = \(bits) (layer × KV head)</h3>"
        out += "<p class=\"note\">The winner beats both other schemes: the paired 95% t-CI over seeds of its kl minus "
        out += "the other's lies entirely below 0, by the engine of <code>kvlab compare</code>; — when no scheme "
        out += "beats both.</p>"
        // beaten[s]: the other schemes s beats, per (layer, head).
        var beaten: [String: [DatasetRuns.Cell: Set<String>]] = [:]
        let data = "dataset = '\(dataset.replacingOccurrences(of: "'", with: "''"))'"
        for s in schemes {
            for o in schemes where o != s {
                for row in try comparison(.kl, a: o, b: s, by: ["layer", "head"], bits: bits, data: data)
                where row.verdict == .b {
                    guard case .integer(let layer) = row.group[0], case .integer(let head) = row.group[1] else {
                        continue
                    }
                    beaten[s.name, default: [:]][DatasetRuns.Cell(layer: Int(layer), head: Int(head)), default: []]
                        .insert(o.name)
                }
            }
        }
        var counts: [String: Int] = [:]
        var table = "<table class=\"heat\"><thead><tr><th>layer</th>"
        for h in 0..<runs.heads { table += "<th>head \(h)</th>" }
        table += "</tr></thead><tbody>"
        for l in 0..<runs.layers {
            table += "<tr><td>\(l)</td>"
            for h in 0..<runs.heads {
                let cell = DatasetRuns.Cell(layer: l, head: h)
                let winner = schemes.map(\.name).first { beaten[$0]?[cell]?.count == schemes.count - 1 }
                counts[winner ?? "none", default: 0] += 1
                let colour = ["KV": "hsl(40, 80%, 80%)", "KQV": "hsl(140, 50%, 78%)", "QKQV": "hsl(280, 50%, 82%)"]
                let style = winner.flatMap { colour[$0] }.map { " style=\"background: \($0)\"" } ?? ""
                table += "<td\(style) data-layer=\"\(l)\" data-head=\"\(h)\">\(winner ?? "—")</td>"
            }
            table += "</tr>"
        }
        table += "</tbody></table>"
        let summary = (schemes.map(\.name) + ["none"]).map { "\($0): \(counts[$0] ?? 0)" }.joined(separator: ", ")
        out += "<p>Cells won — \(Markup.escape(summary)).</p>" + table
        return out
    }

    /// Mean kl over every (layer, head) and seed, per scheme and budget: a chart of the per-seed means over
    /// the cells (with their 95% t-CI over seeds) and a table.
    private func klAgainstBits(_ runs: DatasetRuns, bits: [Int]) -> String {
        var perSeed: [String: [Int: [Double]]] = [:]
        for (scheme, byBits) in runs.values {
            for (b, cells) in byBits {
                var sums: [Int: (sum: Double, count: Int)] = [:]
                for values in cells.values {
                    for (seed, v) in values {
                        sums[seed, default: (0, 0)].sum += v; sums[seed, default: (0, 0)].count += 1
                    }
                }
                perSeed[scheme, default: [:]][b] = sums.keys.sorted().map { sums[$0]!.sum / Double(sums[$0]!.count) }
            }
        }
        var out = budgetChart(
            Self.summarise(perSeed), metric: "kl (nats)",
            title: "kl against the budget (per seed, the mean over every layer and KV head)")
        out += "<h3>kl against bits (mean over every layer, KV head and seed)</h3>"
        var rows: [[String]] = []
        for scheme in runs.values.keys.sorted() {
            var row = [scheme]
            for b in bits {
                let values = (runs.values[scheme]?[b] ?? [:]).values.flatMap(\.values)
                row.append(values.isEmpty ? "—" : Markup.number(values.reduce(0, +) / Double(values.count)))
            }
            rows.append(row)
        }
        out += Self.table(["scheme"] + bits.map { "n = \($0)" }, rows)
        return out
    }
}
