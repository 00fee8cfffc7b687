import ExperimentStore
import Foundation
import KVLabTestSupport
import Quantization
import Testing

@testable import Reports

/// The report built in-process by the library, without the binary.
@Suite("ReportBuilder in-process")
struct ReportBuilderTests {
    /// The header's "generated … UTC by kvlab …" part, which differs between two builds of the page.
    static func withoutGenerationTime(_ html: String) -> String {
        html.replacing(/generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, with: "generated …")
    }

    @Test("the library's page equals the one `kvlab report` writes, but for the generation time")
    func sameAsTheBinary() throws {
        let store = try Store(path: ReportTests.smoke.path, mode: .readOnly)
        let version = try #require(try KVLabProcess.output(["--version"]).firstMatch(of: /kvlab (\S+)\s/)?.1)
        var builder = ReportBuilder(
            store: store,
            options: ReportBuilder.Options(
                databasePath: ReportTests.smoke.path, generatedAt: 0, kvlabVersion: String(version)))
        let html = try builder.page()
        #expect(html.contains("generated 1970-01-01 00:00:00 UTC by kvlab \(version) "))
        #expect(Self.withoutGenerationTime(html) == Self.withoutGenerationTime(ReportTests.smokeReport.html))
        #expect(builder.missing.isEmpty == !html.contains("What is missing"))
    }

    @Test("an invalid filter is a ConditionError naming run_means; nothing is built")
    func invalidFilter() throws {
        let store = try Store(path: ReportTests.smoke.path, mode: .readOnly)
        var builder = ReportBuilder(
            store: store,
            options: ReportBuilder.Options(
                filter: "((nope", databasePath: ReportTests.smoke.path, generatedAt: 0, kvlabVersion: "test"))
        #expect {
            _ = try builder.page()
        } throws: { error in
            guard let error = error as? ConditionError else { return false }
            return error.relation == "run_means" && "\(error)".hasPrefix("--where: ")
        }
    }

    @Test("a misspelt column names the nearest one; a filter that keeps nothing is counted")
    func filterMistakes() throws {
        let store = try Store(path: ReportTests.smoke.path, mode: .readOnly)
        func builder(_ filter: String) -> ReportBuilder {
            ReportBuilder(
                store: store,
                options: ReportBuilder.Options(
                    filter: filter, databasePath: ReportTests.smoke.path, generatedAt: 0, kvlabVersion: "test"))
        }
        var misspelt = builder("distrbution = 'gaussian'")
        #expect {
            _ = try misspelt.page()
        } throws: { error in
            "\(error)" == "--where: no such column: distrbution; did you mean distribution? "
                + "(the condition is SQL on the columns of run_means)"
        }
        var empty = builder("bits = 99")
        _ = try empty.page()
        #expect(empty.filteredRuns == 0)
    }

    @Test("--by accepts every switch but the chart axes")
    func facetDimensions() {
        #expect(ReportBuilder.facetDimensions.contains("rank"))
        #expect(!ReportBuilder.facetDimensions.contains("scheme"))
        #expect(!ReportBuilder.facetDimensions.contains("bits"))
        #expect(!ReportBuilder.facetDimensions.contains("nu"))
        #expect(ReportBuilder.defaultMetrics == [.kl, .kAngle, .dist6Geo, .oRelL2])
    }
}
