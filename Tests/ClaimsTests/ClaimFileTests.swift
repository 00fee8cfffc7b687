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
        let claim = try parse("-- coverage: SELECT 1\nSELECT 1;")
        #expect(claim.name == "t")
        #expect(claim.severity == .error)
        #expect(claim.coverage == "SELECT 1")
        #expect(claim.coverageMin == 1)
        #expect(claim.parameters.isEmpty)
    }

    @Test("a description with its parameters filled in; other colons and unknown names stay as written")
    func filledDescription() throws {
        let claim = try parse(
            """
            -- description: At n = :bits bits on :mixing mixing (:bits_extra, :unknown, 12:30, ratio :ratio)
            -- params: bits=4, mixing=axis, ratio=2.25
            -- coverage: SELECT 1
            SELECT 1 WHERE 0
            """)
        var parameters = claim.parameters
        #expect(
            claim.description(with: parameters)
                == "At n = 4 bits on axis mixing (:bits_extra, :unknown, 12:30, ratio 2.25)")
        parameters[0] = ClaimFile.Parameter(name: "bits", value: .integer(6))
        #expect(claim.description(with: parameters).hasPrefix("At n = 6 bits"))
    }

    @Test("a claim without a coverage header is malformed, never a silent pass")
    func coverageIsRequired() throws {
        #expect {
            try parse("-- name: x\nSELECT 1 WHERE 0;")
        } throws: { error in
            guard case .malformed(let source, 1, let message) = error as? ClaimError else { return false }
            return source == "t.sql" && message.hasPrefix("the claim has no coverage header; add `-- coverage: SELECT")
        }
        // Every shipped claim declares one, with at least one covered cell required.
        let shipped = try ShippedClaims.all()
        #expect(shipped.count == ShippedClaims.files.count)
        #expect(shipped.allSatisfy { !$0.coverage.isEmpty && $0.coverageMin >= 1 })
    }

    @Test("--param values: the default's type, and a switch's values (or the claim's own default)")
    func supportedParameterValues() throws {
        let claim = try parse(
            "-- params: bits=4, mixing=axis, tol=0.1, label=x, any=any\n-- coverage: SELECT 1\nSELECT 1;")
        func expectation(_ name: String, _ value: SQLValue) -> String? {
            claim.parameters.first { $0.name == name }?.expectation(unless: value)
        }
        #expect(expectation("bits", .integer(3)) == nil)
        #expect(expectation("bits", .integer(0)) == "one of 1, 2, 3, 4, 5, 6, 7, 8")
        #expect(expectation("bits", .text("four")) == "an integer")
        #expect(expectation("mixing", .text("dense")) == nil)
        #expect(expectation("mixing", .text("any")) == "one of dense, axis")
        #expect(expectation("tol", .integer(1)) == nil)
        #expect(expectation("tol", .text("big")) == "a number")
        #expect(expectation("label", .integer(7)) == nil)
        // A default outside the switch's values (kl-ratio-2.25 reads mixing=any as both) stays allowed.
        let ratio = try parse("-- params: mixing=any\n-- coverage: SELECT 1\nSELECT 1;").parameters[0]
        #expect(ratio.expectation(unless: .text("any")) == nil)
        #expect(ratio.expectation(unless: .text("axis")) == nil)
        #expect(ratio.expectation(unless: .text("diagonal")) == "one of any, dense, axis")
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
