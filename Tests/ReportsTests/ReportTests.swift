import Foundation
import KVLabTestSupport
import Testing

@testable import Reports

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `kvlab report`: well-formed self-contained HTML, numbers equal to `kvlab agg`, missing-data notes,
/// option errors, and a headless-Chromium rendering check where Chromium is installed.
@Suite("kvlab report: self-contained HTML with SVG charts")
struct ReportTests {
    /// A smoke-sweep database made once for the suite (3 schemes × bits 2, 4 × 3 seeds × 2 trials).
    static let smoke: URL = {
        let dir = try! TemporaryDirectory.create()
        let db = dir.appendingPathComponent("smoke.sqlite")
        let r = try! KVLabProcess.run(["run", "smoke", "--db", db.path, "--quiet"])
        precondition(r.status == 0, "kvlab run smoke failed: \(r.stderr)")
        return db
    }()

    /// The smoke report, written once.
    static let smokeReport: (url: URL, html: String) = {
        let out = smoke.deletingLastPathComponent().appendingPathComponent("report.html")
        let r = try! KVLabProcess.run(["report", "--db", smoke.path, "--out", out.path])
        precondition(r.status == 0, "kvlab report failed: \(r.stderr)")
        return (out, try! String(contentsOf: out, encoding: .utf8))
    }()

    /// Collects elements with `data-*` attributes while parsing, and whether the document is well-formed.
    final class Collector: NSObject, XMLParserDelegate {
        /// The attributes of every `class="point"` element.
        var points: [[String: String]] = []
        /// The attributes of every element with a class, by class, in document order.
        var classes: [String: [[String: String]]] = [:]
        /// Elements seen.
        var elements = 0
        /// Element names seen.
        var names: Set<String> = []
        /// The first parse error, if any.
        var error: String?

        /// Records an element.
        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String]
        ) {
            elements += 1
            names.insert(elementName)
            if attributes["class"] == "point" { points.append(attributes) }
            if let name = attributes["class"] { classes[name, default: []].append(attributes) }
        }

        /// Records a parse error.
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            error = "\(parseError) at line \(parser.lineNumber), column \(parser.columnNumber)"
        }
    }

    /// Parses a document as XML.
    static func parse(_ text: String) -> Collector {
        let collector = Collector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        if !ok, collector.error == nil { collector.error = "parse failed: \(String(describing: parser.parserError))" }
        return collector
    }

    @Test("the smoke report is well-formed XHTML, self-contained, with charts for every default section")
    func wellFormed() throws {
        let html = Self.smokeReport.html
        let parsed = Self.parse(html)
        #expect(parsed.error == nil, "\(parsed.error ?? "")")
        #expect(parsed.names.contains("svg"))
        #expect(parsed.names.contains("polyline"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains(" src="))
        // The only link goes to the paper.
        let links = html.matches(of: /href="([^"]*)"/).map { String($0.output.1) }
        #expect(links == ["https://arxiv.org/abs/2605.08114"])
        for id in ["status", "claims", "metric-kl", "metric-k_angle", "metric-dist6_geo", "metric-o_rel_l2"] {
            #expect(html.contains("id=\"\(id)\""), "section \(id)")
        }
        for id in ["crossover", "compare", "jensen"] { #expect(html.contains("id=\"\(id)\""), "section \(id)") }
        #expect(html.contains("kl (nats"))
        #expect(html.contains("k_angle (radians"))
        // The crossover chart has its zero line; the Jensen chart its line at 1.
        #expect(html.components(separatedBy: "class=\"reference\"").count > 2)
        // The smoke sweep has one distribution: no missing-scheme notes, but claims lack coverage.
        #expect(!html.contains("scheme KV absent"))
        #expect(html.contains("inconclusive"))
    }

    @Test("every chart point carries the numbers of `kvlab agg` for the same cell")
    func numbersEqualAgg() throws {
        let parsed = Self.parse(Self.smokeReport.html)
        let metrics = ["kl", "k_angle", "dist6_geo", "o_rel_l2"]
        // CSV, parsed with Double(String): shortest round-trip text, exact (Foundation's JSON parser is not).
        let agg = try KVLabProcess.run([
            "agg", "--db", Self.smoke.path, "--by", "distribution,scheme,bits", "--metric",
            metrics.joined(separator: ","), "--stat", "n,mean,ci95", "--format", "csv",
        ])
        #expect(agg.status == 0, "\(agg.stderr)")
        let lines = agg.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(lines.first?.joined(separator: ",") == "distribution,scheme,bits,metric,n,mean,ci95_low,ci95_high")
        let rows = lines.dropFirst().map { $0.map(String.init) }
        #expect(rows.count == 4 * 6)
        var checked = 0
        for row in rows {
            let matches = parsed.points.filter {
                $0["data-distribution"] == row[0] && $0["data-scheme"] == row[1] && $0["data-bits"] == row[2]
                    && $0["data-metric"] == row[3]
            }
            #expect(matches.count == 1, "\(row)")
            guard let point = matches.first else { continue }
            #expect(point["data-n"] == row[4])
            for (attribute, column) in [("data-mean", 5), ("data-ci95-low", 6), ("data-ci95-high", 7)] {
                let shown = try #require(Double(point[attribute] ?? ""))
                let expected = try #require(Double(row[column]))
                #expect(shown == expected, "\(row[0...3]) \(attribute)")
            }
            checked += 1
        }
        #expect(checked == rows.count)
    }

    @Test("a database without done runs gives a report that lists what is missing, exit 0")
    func emptyDatabase() throws {
        let dir = try TemporaryDirectory.create()
        let db = dir.appendingPathComponent("empty.sqlite")
        let plan = try KVLabProcess.run(["run", "--db", db.path, "--quiet"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let out = dir.appendingPathComponent("empty.html")
        let r = try KVLabProcess.run(["report", "--db", db.path, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(Self.parse(html).error == nil)
        #expect(html.contains("What is missing"))
        #expect(html.contains("no done runs with a value for metric kl"))
        #expect(html.contains("no sweep recorded"))
        #expect(html.contains("no done synthetic runs: every chart below is empty"))
        #expect(html.contains("no paired KQV and QKQV runs"))
    }

    @Test("a partial database (KQV only, filtered) names the absent schemes and still charts the rest")
    func partialDatabase() throws {
        let out = Self.smoke.deletingLastPathComponent().appendingPathComponent("partial.html")
        let r = try KVLabProcess.run([
            "report", "--db", Self.smoke.path, "--out", out.path, "--where", "scheme = 'KQV'", "--metric", "kl",
            "--by", "rank",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(Self.parse(html).error == nil)
        #expect(html.contains("scheme QKQV absent"))
        #expect(html.contains("scheme KV absent"))
        #expect(html.contains("id=\"metric-kl\""))
        #expect(!html.contains("id=\"metric-k_angle\""))
        #expect(html.contains("gaussian · rank=32"))
    }

    @Test("bad --metric, --by or --where exit 2 and list the allowed values")
    func badOptions() throws {
        let out = Self.smoke.deletingLastPathComponent().appendingPathComponent("bad.html").path
        let metric = try KVLabProcess.run(["report", "--db", Self.smoke.path, "--out", out, "--metric", "kl,bogus"])
        #expect(metric.status == 2)
        #expect(metric.stderr.contains("bogus") && metric.stderr.contains("k_angle"))
        let by = try KVLabProcess.run(["report", "--db", Self.smoke.path, "--out", out, "--by", "colour"])
        #expect(by.status == 2)
        #expect(by.stderr.contains("rank") && by.stderr.contains("mixing"))
        let condition = try KVLabProcess.run(["report", "--db", Self.smoke.path, "--out", out, "--where", "((nope"])
        #expect(condition.status == 2, "\(condition.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("text from the database is escaped; charts pick log scales for values spanning decades")
    func escapingAndScales() throws {
        #expect(Markup.escape("a<b & \"c\" 'd'>\u{1}") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;\u{FFFD}")
        #expect(AxisScale.fitting([0.001, 0.5]).isLog)
        #expect(!AxisScale.fitting([0.1, 0.5]).isLog)
        #expect(!AxisScale.fitting([-0.1, 50]).isLog)
        // Means decide; a CI end at or below zero is clamped on a log axis.
        let clamped = AxisScale.fitting([0.001, 0.3], bounds: [-0.01, 0.4])
        #expect(clamped.isLog && clamped.low == 1e-3 && clamped.high == 1)
        let linear = AxisScale.fitting([0.12, 0.87], including: [0])
        #expect(linear.low <= 0 && linear.high >= 0.87 && linear.ticks.count <= 7)
        let log = AxisScale.fitting([2e-5, 0.3])
        #expect(log.ticks.first == 1e-5 && log.ticks.last == 1)
        #expect(log.label(1e-5) == "10⁻⁵")
        let hostile = "</text><script>alert(1)</script>"
        let chart = FacetChart(
            facets: [
                FacetChart.Facet(
                    title: hostile,
                    series: [
                        FacetChart.Series(
                            name: hostile, style: .scheme("X", index: 0),
                            points: [
                                FacetChart.Point(
                                    x: 2, mean: 1, low: 0.5, high: 2, tooltip: hostile, attributes: [("v", hostile)])
                            ])
                    ])
            ], columns: 1, yTitle: hostile,
            legend: [FacetChart.LegendEntry(label: hostile, style: .scheme("KV", index: 0))],
            description: hostile)
        let svg = chart.svg()
        #expect(Self.parse(svg).error == nil)
        #expect(!svg.contains("<script"))
    }

    /// The Chromium executable, if one is installed.
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "headless Chromium renders the smoke report to a non-trivial PNG",
        .enabled(if: chromium != nil, "Chromium is not installed (Debian: apt-get install chromium); skipped"))
    func rendersInChromium() throws {
        let chromium = try #require(Self.chromium)
        let report = Self.smokeReport.url
        let png = report.deletingLastPathComponent().appendingPathComponent("report.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=\(png.path)",
            "--window-size=1400,3000", report.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let data = try Data(contentsOf: png)
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(data.count > 20_000, "a blank page compresses to a few kB; got \(data.count) bytes")
    }
}
