import Claims
import ExperimentStore
import Foundation
import KVLabTestSupport
import Testing

@testable import Reports

/// The report's summary, per-cell verdict maps, mixing facets, responsive charts and `--figure`, on a small
/// sweep whose cells vary in distribution and mixing.
@Suite("kvlab report: summary, verdict maps, figures")
struct VerdictMapTests {
    /// A small sweep: 3 schemes × bits 2, 4 × 2 distributions × 2 mixings, 3 seeds × 2 trials (72 runs).
    static let database: URL = {
        let dir = try! TemporaryDirectory.create()
        let spec = dir.appendingPathComponent("cells.yaml")
        try! """
        name: cells
        seeds: 3
        trials: 2
        fixed:
          dim: 32
          tokens: 64
          queries: 8
        grid:
          scheme: [KV, KQV, QKQV]
          bits: [2, 4]
          distribution: [gaussian, t3]
          mixing: [axis, dense]
        """.write(to: spec, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("cells.sqlite")
        let r = try! KVLabProcess.run(["run", spec.path, "--db", db.path, "--quiet"])
        precondition(r.status == 0, "kvlab run failed: \(r.stderr)")
        return db
    }()

    /// The page built in-process.
    static let page: String = {
        let store = try! Store(path: database.path, mode: .readOnly)
        var builder = ReportBuilder(
            store: store,
            options: ReportBuilder.Options(databasePath: database.path, generatedAt: 0, kvlabVersion: "t"))
        return try! builder.page()
    }()

    /// The attributes of every element of a class, in document order (the text must be well-formed XML).
    static func elements(_ text: String, class name: String) -> [[String: String]] {
        let parsed = ReportTests.parse(text)
        #expect(parsed.error == nil, "\(parsed.error ?? "")")
        return parsed.classes[name] ?? []
    }

    /// `kvlab compare … --format csv` rows as dictionaries.
    static func compare(_ metric: String, _ a: String, _ b: String, by: String) throws -> [[String: String]] {
        let r = try KVLabProcess.run([
            "compare", "--metric", metric, "--a", a, "--b", b, "--by", by, "--format", "csv", "--db", database.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = lines.first?.map(String.init) ?? []
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.map(String.init))) }
    }

    @Test("the figure names: a chart per metric, the crossover, four verdict maps, Jensen")
    func figureNames() {
        let names = ReportBuilder.figureNames
        for name in [
            "metric-kl", "metric-k_angle", "metric-next_kl", "crossover", "verdicts-kl-KQV-QKQV", "verdicts-kl-KV-KQV",
            "verdicts-k_angle-KQV-QKQV", "verdicts-k_angle-KV-KQV", "jensen",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(Set(names).count == names.count)
    }

    @Test("every verdict-map square carries the verdict and CI `kvlab compare` gives for its cell and budget")
    func squaresEqualCompare() throws {
        let squares = Self.elements(Self.page, class: "verdict-cell")
        var checked = 0
        for (metric, a, b) in [("kl", "KQV", "QKQV"), ("kl", "KV", "KQV"), ("k_angle", "KQV", "QKQV")] {
            let rows = try Self.compare(metric, a, b, by: "distribution,mixing,bits")
            #expect(rows.count == 2 * 2 * 2)
            for row in rows {
                let matches = squares.filter {
                    $0["data-metric"] == metric && $0["data-a"] == a && $0["data-b"] == b
                        && $0["data-distribution"] == row["distribution"] && $0["data-mixing"] == row["mixing"]
                        && $0["data-bits"] == row["bits"]
                }
                #expect(matches.count == 1, "\(metric) \(a) \(b) \(row)")
                let square = try #require(matches.first)
                #expect(square["data-verdict"] == row["verdict"], "\(metric) \(a) \(b) \(row)")
                #expect(square["data-n"] == row["n"])
                for (attribute, column) in [("data-ci95-low", "diff_ci_low"), ("data-ci95-high", "diff_ci_high")] {
                    #expect(Double(square[attribute] ?? "") == Double(row[column] ?? ""), "\(attribute) \(row)")
                }
                #expect(Double(square["data-ratio"] ?? "") == Double(row["ratio"] ?? ""))
                checked += 1
            }
        }
        #expect(checked == 24)
        #expect(squares.count == 4 * 8)
    }

    @Test("the KQV vs QKQV kl map calls KQV better exactly where qkqv-worse-kl has no failing row")
    func mapAgreesWithTheClaim() throws {
        let store = try Store(path: Self.database.path, mode: .readOnly)
        let claim = try ClaimLoader.load(["qkqv-worse-kl"])
        let evaluation = try #require(
            try ClaimEvaluator(store: store, keptRows: 1000).evaluate(claim).evaluations.first)
        let column = { (name: String) in evaluation.columns.firstIndex(of: name)! }
        let failing = Set(
            evaluation.failingRows.map { row in
                [row[column("distribution")], row[column("mixing")], row[column("bits")]].map(ReportBuilder.text)
            })
        let squares = Self.elements(Self.page, class: "verdict-cell").filter {
            $0["data-metric"] == "kl" && $0["data-a"] == "KQV" && $0["data-b"] == "QKQV"
        }
        #expect(squares.count == 8)
        for square in squares {
            let key = [square["data-distribution"]!, square["data-mixing"]!, square["data-bits"]!]
            #expect((square["data-verdict"] == "KQV") == !failing.contains(key), "\(key)")
        }
    }

    @Test("the summary opens the page: coverage, claims, who wins where per mixing and budget, the headline ratio")
    func summary() throws {
        let html = Self.page
        let summary = try #require(html.firstRange(of: "<section class=\"summary\" id=\"summary\">"))
        #expect(summary.lowerBound < html.firstRange(of: "id=\"status\"")!.lowerBound)
        #expect(html.contains("72 done synthetic runs, 3 seeds"))
        #expect(html.contains("a cell is one combination of distribution × mixing (4 cells)."))
        #expect(html.contains("<code>qkqv-worse-kl</code>: QKQV is worse than KQV in kl"))
        #expect(html.contains("Headline ratio kl(QKQV) / kl(KQV) at n = 4"))
        // The tally of KQV vs QKQV on kl over axis mixing, every budget, equals compare's verdicts.
        let rows = try Self.compare("kl", "KQV", "QKQV", by: "mixing,distribution,bits").filter {
            $0["mixing"] == "axis"
        }
        let verdicts: [String] = ["KQV", "QKQV", "tie"]
        let counts = verdicts.map { v in (v, rows.count { $0["verdict"] == v }) }
        let expected = counts.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map { "\($0.0) \($0.1)" }
            .joined(separator: " · ")
        let table = try #require(html.firstMatch(of: /<table class="tally">.*?<\/table>/.dotMatchesNewlines()))
        #expect(
            table.output.contains("<tr><td>kl: KQV vs QKQV</td><td>mixing = axis</td>"),
            "\(table.output)")
        let axisRow = try #require(
            table.output.firstMatch(of: /<tr><td>kl: KQV vs QKQV<\/td><td>mixing = axis<\/td>(.*?)<\/tr>/))
        #expect(axisRow.output.1.hasSuffix("<td>\(expected)</td>"), "\(axisRow.output.1) vs \(expected)")
    }

    @Test("the claims' failing rows print numbers to 4 significant digits")
    func failingRowsRounded() throws {
        let tables = Self.page.matches(of: /<table class="rows">.*?<\/table>/.dotMatchesNewlines())
        #expect(!tables.isEmpty)
        var numbers = 0
        for table in tables {
            for cell in table.output.matches(of: /<td>([^<]*)<\/td>/) {
                let text = String(cell.output.1)
                guard Double(text) != nil, text.contains(".") || text.contains("e") else { continue }
                let mantissa = text.split(separator: "e")[0].filter(\.isNumber).drop { $0 == "0" }
                #expect(mantissa.count <= 4, "\(text)")
                numbers += 1
            }
        }
        #expect(numbers > 0)
    }

    @Test("charts facet by mixing when it varies and take the page width; --by overrides the facet")
    func facetsAndWidth() throws {
        let html = Self.page
        #expect(html.contains(">gaussian · mixing=axis</text>"))
        #expect(html.contains(">t3 · mixing=dense</text>"))
        #expect(html.contains("Faceted by mixing"))
        let svgs = html.matches(of: /<svg [^>]*>/).map { String($0.output) }
        #expect(!svgs.isEmpty)
        for svg in svgs {
            #expect(svg.contains("width=\"100%\"") && svg.contains("viewBox=\"0 0 "), "\(svg)")
            #expect(!svg.contains("height="), "\(svg)")
        }
        let store = try Store(path: Self.database.path, mode: .readOnly)
        var byRank = ReportBuilder(
            store: store,
            options: ReportBuilder.Options(
                metrics: [.kl], by: "rank", databasePath: Self.database.path, generatedAt: 0, kvlabVersion: "t"))
        let ranked = try byRank.page()
        #expect(ranked.contains(">gaussian · rank=32</text>"))
        #expect(!ranked.contains("Faceted by mixing"))
    }

    @Test("--figure writes one standalone SVG; unknown names, empty figures and the database itself are refused")
    func figureThroughTheCLI() throws {
        let dir = try TemporaryDirectory.create()
        let out = dir.appendingPathComponent("map.svg")
        let db = Self.database.path
        let r = try KVLabProcess.run(["report", "--figure", "verdicts-kl-kqv-qkqv", "--out", out.path, "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        let svg = try String(contentsOf: out, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.firstMatch(of: /<svg [^>]*width="\d+(\.\d+)?" height="\d+(\.\d+)?"/) != nil)
        let squares = Self.elements(svg, class: "verdict-cell")
        #expect(squares.count == 8)
        let onPage = Self.elements(Self.page, class: "verdict-cell").filter {
            $0["data-metric"] == "kl" && $0["data-a"] == "KQV" && $0["data-b"] == "QKQV"
        }
        #expect(squares.map { $0["data-verdict"] } == onPage.map { $0["data-verdict"] })
        let chart = try KVLabProcess.run(["report", "--figure", "metric-kl", "--out", "/dev/stdout", "--db", db])
        #expect(chart.status == 0, "\(chart.stderr)")
        #expect(chart.stdout.contains("class=\"point\"") && chart.stdout.contains("kl (nats)"))
        let unknown = try KVLabProcess.run(["report", "--figure", "heatmap", "--out", out.path + "2", "--db", db])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown figure 'heatmap' for --figure; figures: metric-kl, "))
        #expect(unknown.stderr.contains("crossover, verdicts-kl-KQV-QKQV, verdicts-kl-KV-KQV"), "\(unknown.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path + "2"))
        let empty = try KVLabProcess.run([
            "report", "--figure", "crossover", "--where", "scheme = 'KQV'", "--out", out.path + "3", "--db", db,
        ])
        #expect(empty.status == 2)
        #expect(
            empty.stderr.contains("figure crossover: no paired KQV and QKQV runs with k_angle"), "\(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path + "3"))
        let itself = try KVLabProcess.run(["report", "--figure", "jensen", "--out", db, "--db", db])
        #expect(itself.status == 2)
        #expect(itself.stderr.contains("that is the database this command reads"), "\(itself.stderr)")
        let help = try KVLabProcess.run(["report", "--help"])
        #expect(help.stdout.contains("verdicts-k_angle-KV-KQV"))
    }
}
