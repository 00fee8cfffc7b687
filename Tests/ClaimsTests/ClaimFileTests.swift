import ExperimentStore
import Testing

@testable import Claims

/// The claim file header: keys, continuation lines, parameters, defaults and errors.
struct ClaimFileTests {
    func parse(_ text: String) throws(ClaimError) -> ClaimFile {
        try ClaimFile.parse(bytes: Array(text.utf8), source: "t.sql", defaultName: "t")
    }

    @Test func headerKeysContinuationLinesAndTypedParameters() throws {
        let claim = try parse(
            """
            -- name: example
            -- description: first part
            --   second part
            -- severity: warn
            -- params: bits=4, mixing=axis, tol=0.1, label='4'
            -- coverage: SELECT count(*)
            --   FROM runs
            -- coverage_min: 3
            --
            -- Notes: an ordinary comment (capitalised, so not a key).
            SELECT 1 WHERE 0;
            """)
        #expect(claim.name == "example")
        #expect(claim.description == "first part second part")
        #expect(claim.severity == .warn)
        #expect(
            claim.parameters == [
                .init(name: "bits", value: .integer(4)), .init(name: "mixing", value: .text("axis")),
                .init(name: "tol", value: .real(0.1)), .init(name: "label", value: .text("4")),
            ])
        #expect(claim.coverage == "SELECT count(*) FROM runs")
        #expect(claim.coverageMin == 3)
        #expect(claim.body == "SELECT 1 WHERE 0;")
        #expect(claim.fileHash.count == 64)
    }

    @Test func defaults() throws {
        let claim = try parse("SELECT 1;")
        #expect(claim.name == "t")
        #expect(claim.severity == .error)
        #expect(claim.coverage == nil)
        #expect(claim.coverageMin == 0)
        #expect(try parse("-- coverage: SELECT 1\nSELECT 1;").coverageMin == 1)
    }

    @Test func malformedHeadersNameTheLine() {
        let cases: [(String, Int)] = [
            ("-- name: a\n-- coverge: SELECT 1\nSELECT 1;", 2),
            ("-- severity: fatal\nSELECT 1;", 1),
            ("-- params: bits\nSELECT 1;", 1),
            ("-- params: bits=1, bits=2\nSELECT 1;", 1),
            ("-- coverage_min: -1\nSELECT 1;", 1),
            ("-- name: a\n-- name: b\nSELECT 1;", 2),
            ("-- name: only a header\n", 2),
        ]
        for (text, line) in cases {
            #expect {
                try parse(text)
            } throws: { error in
                guard case .malformed(_, let l, _) = error as? ClaimError else { return false }
                return l == line
            }
        }
    }
}
