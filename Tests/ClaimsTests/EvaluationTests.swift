import ExperimentStore
import Foundation
import GRDB
import Quantization
import Testing

@testable import Claims

/// Evaluation rules: NULL-safety, errors, refusal of writes, typed parameters, one snapshot, recording.
struct EvaluationTests {
    /// A claim parsed from text; one without a coverage header gets `-- coverage: SELECT 1` (every claim
    /// must declare one).
    func claim(_ text: String, name: String = "t") throws -> ClaimFile {
        let full = text.contains("-- coverage:") ? text : "-- coverage: SELECT 1\n" + text
        return try ClaimFile.parse(bytes: Array(full.utf8), source: "\(name).sql", defaultName: name)
    }

    @Test func nanAndNullValuesNeverMakeAPairedClaimPass() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            // Every KV kl is NaN in one cell: the NaN must not count as a KQV win, nor be skipped.
            if key.scheme == .KV, key.distribution == .t3 { m[.kl] = .nan }
        }
        let e = try db.evaluate(shipped: "kqv-wins-at-n4")
        #expect(e.verdict == .fail)
        #expect(e.texts("distribution") == ["t3"])
        #expect(e.integers("missing") == [5])
    }

    @Test func oneNaNSeedFailsTheCellEvenIfTheOthersWin() throws {
        let db = try FixtureDatabase()
        try db.addGrid { key, _, m in
            if key.scheme == .QKQV, key.seed == 2, key.bits == 5, key.distribution == .gaussian { m[.kl] = .nan }
        }
        let e = try db.evaluate(shipped: "qkqv-worse-kl")
        #expect(e.verdict == .fail)
        #expect(e.integers("missing") == [1])
        #expect(e.integers("bits") == [5])
    }

    @Test func aNullComparisonIsAFailingRow() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1])
        let c = try claim(
            """
            -- coverage: SELECT count(*) FROM run_means
            SELECT run_id, logit_bias FROM run_means WHERE (logit_bias < 1) IS NOT 1;
            """)
        // logit_bias is 0 in the fixture; make one NULL by a NaN on both trials.
        #expect(try db.evaluate([c]).evaluations[0].verdict == .pass)
        let db2 = try FixtureDatabase()
        try db2.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1]) { _, _, m in
            m[.logitBias] = .nan
        }
        let e = try db2.evaluate([c]).evaluations[0]
        #expect(e.verdict == .fail)
        #expect(e.column("logit_bias") == [.null])
    }

    @Test func sqlErrorsGiveAnErrorVerdictThatIsNotAClaimDefect() throws {
        let db = try FixtureDatabase()
        try db.addGrid(seeds: [1])  // a claim of the default kind (synthetic) needs synthetic runs
        let report = try db.evaluate([
            try claim("SELECT no_such_column FROM runs;", name: "a"),
            try claim("-- coverage: SELECT * FROM no_such_table\nSELECT 1 WHERE 0;", name: "b"),
            try claim("SELEC 1;", name: "c"),
        ])
        for e in report.evaluations {
            #expect(e.verdict == .error)
            #expect(!e.isClaimDefect)
            #expect(e.message?.hasPrefix("SQL error") == true)
        }
        #expect(report.summaryLine == "0 passed, 0 failed, 0 inconclusive, 0 skipped, 3 errors")
    }

    @Test func aClaimThatWouldWriteIsRefusedAndChangesNothing() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1])
        let attempts = [
            "DELETE FROM runs;",
            "SELECT 1; DELETE FROM runs;",
            "WITH x AS (SELECT 1) INSERT INTO sweeps (name, spec, spec_hash, created_at, updated_at) "
                + "SELECT 'x', '', '', 0, 0 FROM x;",
            "UPDATE runs SET seed = 9 RETURNING id;",
            "PRAGMA query_only = 0;",
            "CREATE TEMP TABLE t AS SELECT 1;",
        ]
        for (i, sql) in attempts.enumerated() {
            let e = try db.evaluate([try claim(sql, name: "w\(i)")]).evaluations[0]
            #expect(e.verdict == .error, "\(sql)")
            #expect(e.isClaimDefect, "\(sql)")
        }
        let coverageWrite = try db.evaluate([
            try claim("-- coverage: DELETE FROM runs RETURNING 1\nSELECT 1 WHERE 0;")
        ]).evaluations[0]
        #expect(coverageWrite.verdict == .error && coverageWrite.isClaimDefect)
        let runs = try db.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM runs WHERE seed = 1") }
        #expect(runs == 1)
    }

    @Test func parametersAreTypedAndBoundNotSpliced() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1])
        let c = try claim(
            """
            -- params: bits=4, label=x
            SELECT typeof(:bits) AS t, :label AS label WHERE :bits = 4 OR :bits = 5;
            """)
        let e = try db.evaluate([c]).evaluations[0]
        #expect(e.column("t") == [.text("integer")])
        let injected = try db.evaluate([c], overrides: ["label": .text("'); DELETE FROM runs; --")]).evaluations[0]
        #expect(injected.column("label") == [.text("'); DELETE FROM runs; --")])
        #expect(try db.evaluate([c], overrides: ["bits": .integer(6)]).evaluations[0].verdict == .pass)
    }

    @Test func unknownOverridesAndUndeclaredParametersAreRejected() throws {
        let db = try FixtureDatabase()
        try db.addGrid(seeds: [1])  // a claim of the default kind (synthetic) needs synthetic runs
        let c = try claim("-- params: bits=4\nSELECT :bits WHERE :bits <> 4;")
        #expect(throws: ClaimError.unknownParameter(name: "bitz", known: ["bits"])) {
            try db.evaluate([c], overrides: ["bitz": .integer(3)])
        }
        let unsupported: [(String, SQLValue, String)] = [
            ("bits", .text("four"), "an integer"), ("bits", .integer(9), "one of 1, 2, 3, 4, 5, 6, 7, 8"),
            ("bits", .real(4.5), "an integer"),
        ]
        for (name, value, expected) in unsupported {
            #expect(
                throws: ClaimError.unsupportedValue(
                    name: name, value: TableOutput.text(value) ?? "", claim: "t", expected: expected)
            ) { try db.evaluate([c], overrides: [name: value]) }
        }
        let undeclared = try db.evaluate([try claim("SELECT :mixing;")]).evaluations[0]
        #expect(undeclared.verdict == .error && undeclared.isClaimDefect)
        let positional = try db.evaluate([try claim("SELECT ?;")]).evaluations[0]
        #expect(positional.verdict == .error && positional.isClaimDefect)
    }

    @Test func coverageBelowTheMinimumIsInconclusiveEvenWhenTheBodyWouldFail() throws {
        let db = try FixtureDatabase()
        try db.addGrid(seeds: [1])  // a claim of the default kind (synthetic) needs synthetic runs
        let c = try claim("-- coverage: SELECT 2\n-- coverage_min: 3\nSELECT 1;")
        let e = try db.evaluate([c]).evaluations[0]
        #expect(e.verdict == .inconclusive)
        #expect(e.coveredCells == 2)
        let warn = try claim("-- severity: warn\nSELECT 1;")
        let w = try db.evaluate([warn]).evaluations[0]
        #expect(w.verdict == .fail && !w.affectsExitCode)
    }

    @Test func failingRowsAreCountedBeyondTheKeptOnes() throws {
        let db = try FixtureDatabase()
        try db.addGrid(seeds: [1])  // a claim of the default kind (synthetic) needs synthetic runs
        let c = try claim(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n;")
        let e = try #require(try ClaimEvaluator(store: db.store, keptRows: 10).evaluate([c]).evaluations.first)
        #expect(e.failingRowCount == 50)
        #expect(e.failingRows.count == 10)
        #expect(e.message == "50 failing rows (the first 10 kept)")
    }

    @Test func theFingerprintChangesWithTheDoneRunsOnly() throws {
        let db = try FixtureDatabase()
        let empty = try db.evaluate([]).dataFingerprint
        #expect(empty == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1])
        let one = try db.evaluate([]).dataFingerprint
        #expect(one != empty)
        #expect(try db.evaluate([]).dataFingerprint == one)
        let hash = try db.store.upsertConfig(
            FixtureDatabase.config(
                .init(
                    scheme: .KV, bits: 2, distribution: .t3, rank: 8, mixing: .axis, seed: 1)))
        try db.store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 2)
        #expect(try db.evaluate([]).dataFingerprint == one, "a pending run is not data")
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [2])
        #expect(try db.evaluate([]).dataFingerprint != one)
    }

    @Test func recordsRoundTripThroughClaimEvaluations() throws {
        let db = try FixtureDatabase()
        let record = ClaimRecord(
            claim: "c", fileHash: "f", dataFingerprint: "d", paramsJSON: "{\"bits\":4}", severity: "error",
            verdict: .inconclusive, coveredCells: 0, failingRowsJSON: "[]", message: "m", evaluatedAt: 1)
        try ClaimHistory.record([record], in: db.store)
        var later = record
        later.verdict = .pass
        later.evaluatedAt = 2
        try ClaimHistory.record([later], in: db.store)
        let history = try ClaimHistory.records(claim: "c", in: db.store)
        #expect(history.map(\.verdict) == [.inconclusive, .pass])
        #expect(history[0].paramsJSON == "{\"bits\":4}")
        #expect(try ClaimHistory.records(claim: "other", in: db.store).isEmpty)
    }

    @Test func aClaimWithoutRunsOfItsKindIsSkippedAndNotRecorded() throws {
        let db = try FixtureDatabase()
        let synthetic = try claim("SELECT 1;", name: "s")
        let dataset = try claim("-- kind: dataset\n-- params: dataset=toy\nSELECT 1;", name: "d")
        let empty = try db.evaluate([synthetic, dataset])
        #expect(empty.evaluations.map(\.verdict) == [.skipped, .skipped])
        #expect(empty.evaluations[1].message == "no dataset runs of dataset toy")
        #expect(empty.summaryLine == "0 passed, 0 failed, 0 inconclusive, 2 skipped")
        #expect(empty.records.isEmpty)
        try db.addGrid(seeds: [1])
        let withRuns = try db.evaluate([synthetic, dataset])
        #expect(withRuns.evaluations.map(\.verdict) == [.fail, .skipped])
        #expect(withRuns.records.map(\.claim) == ["s"])
        #expect(throws: ClaimError.self) { _ = try claim("-- kind: text\nSELECT 1;", name: "k") }
    }
}
