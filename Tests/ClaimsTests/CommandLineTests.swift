import ExperimentStore
import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import Claims

/// End-to-end: `kvlab claims`, `kvlab agg` and `kvlab export` run as the built binary.
struct CommandLineTests {
    func kvlab(_ arguments: [String]) throws -> KVLabProcess.Result {
        try KVLabProcess.run(arguments)
    }

    func write(_ text: String, _ name: String, in db: FixtureDatabase) throws -> String {
        let path = db.directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkPrintsOneLinePerClaimAndRecordsEveryEvaluation() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let r = try kvlab(["claims", "check", "--db", db.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        let count = ShippedClaims.files.count
        let skipped = ShippedClaims.files.count { $0.name.hasPrefix("dataset-") || $0.name.hasPrefix("model-") }
        #expect(lines.count == count + 1)
        #expect(lines.last == "\(count - skipped) passed, 0 failed, 0 inconclusive, \(skipped) skipped")
        let stored = try db.store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM claim_evaluations") }
        #expect(stored == count - skipped)
        let history = try kvlab(["claims", "history", "qkqv-worse-kl", "--db", db.path, "--format", "csv"])
        #expect(history.status == 0)
        #expect(history.stdout.contains(",qkqv-worse-kl,pass,first,"))
    }

    @Test func exitCodesFollowThePrecedence() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian])
        let refuted = try write("-- coverage: SELECT 1\nSELECT 1 AS x;", "refuted.sql", in: db)
        let warned = try write("-- severity: warn\n-- coverage: SELECT 1\nSELECT 1 AS x;", "warned.sql", in: db)
        let holds = try write("-- coverage: SELECT 1\nSELECT 1 WHERE 0;", "holds.sql", in: db)
        let open = try write("-- coverage: SELECT 0\nSELECT 1;", "open.sql", in: db)
        let broken = try write("-- coverage: SELECT 1\nSELECT nope FROM runs;", "broken.sql", in: db)
        let writes = try write("-- coverage: SELECT 1\nDELETE FROM runs;", "writes.sql", in: db)
        let param = try write(
            "-- params: bits=4\n-- coverage: SELECT 1\nSELECT 1 WHERE :bits <> 4;", "param.sql", in: db)
        let uncovered = try write("SELECT 1 WHERE 0;", "uncovered.sql", in: db)
        let cases: [([String], Int32)] = [
            ([holds], 0), ([holds, warned], 0), ([refuted], 1), ([open], 4), ([holds, open], 4), ([open, refuted], 1),
            ([broken, refuted], 3), ([writes, broken], 2), ([param, "--param", "bitz=3"], 2),
            ([param, "--param", "bits=3"], 1), ([db.directory.appendingPathComponent("missing.sql").path], 2),
            ([uncovered], 2), ([holds, uncovered], 2), ([param, "--param", "bits=9"], 2),
            ([param, "--param", "bits=four"], 2),
        ]
        for (arguments, expected) in cases {
            let r = try kvlab(["claims", "check", "--db", db.path] + arguments)
            #expect(r.status == expected, "\(arguments.map { ($0 as NSString).lastPathComponent }): \(r.stderr)")
        }
        let empty = try kvlab(["claims", "check", "--db", db.directory.appendingPathComponent("none.sqlite").path])
        #expect(empty.status == 2)
    }

    @Test func jsonAndJUnitOutputs() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian])
        let refuted = try write("-- coverage: SELECT 1\nSELECT 1.5 AS x, 'a<b' AS y;", "refuted.sql", in: db)
        let open = try write("-- coverage: SELECT 0\nSELECT 1;", "open.sql", in: db)
        let json = try kvlab(["claims", "check", refuted, open, "--db", db.path, "--format", "json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let claims = try #require(object["claims"] as? [[String: Any]])
        #expect(claims.map { $0["verdict"] as? String } == ["fail", "inconclusive"])
        let rows = try #require(claims[0]["failing_rows"] as? [[String: Any]])
        #expect(rows.first?["x"] as? Double == 1.5)
        #expect((object["summary"] as? [String: Any])?["failed"] as? Int == 1)
        let junit = try kvlab(["claims", "check", refuted, open, "--db", db.path, "--format", "junit"])
        #expect(junit.stdout.hasPrefix("<?xml"))
        #expect(junit.stdout.contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""))
        #expect(junit.stdout.contains("a&lt;b"))
        #expect(junit.stdout.components(separatedBy: "<testcase ").count == 3)
    }

    @Test func aggValidatesAndShowsItsSQL() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV, .QKQV], bits: [4], distributions: [.gaussian])
        let bad = try kvlab(["agg", "--by", "scheme", "--metric", "kll", "--db", db.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("k_angle"))
        let badDim = try kvlab(["agg", "--by", "schema", "--metric", "kl", "--db", db.path])
        #expect(badDim.status == 2)
        #expect(badDim.stderr.contains("distribution"))
        let ok = try kvlab([
            "agg", "--by", "scheme,bits", "--metric", "kl", "--show-sql", "--format", "csv", "--db", db.path,
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("FROM run_means"))
        #expect(ok.stdout.hasPrefix("scheme,bits,metric,n,mean,sd,ci95_low,ci95_high\n"))
        #expect(ok.stdout.split(separator: "\n").count == 3)
    }

    @Test func exportKeepsEveryDoubleBitForBit() throws {
        let db = try FixtureDatabase()
        try db.addGrid(schemes: [.KQV], bits: [4], distributions: [.gaussian], seeds: [1]) { _, trial, m in
            m[.logitBias] = trial == 0 ? 0.1 + 0.2 : 1.0 / 3.0
            m[.entropyDelta] = trial == 0 ? 1e-300 : -123456.78901234567
        }
        let stored = try db.store.read { db in
            try Row.fetchAll(db, sql: "SELECT logit_bias, entropy_delta FROM trials_wide ORDER BY trial").map {
                [$0[0] as Double, $0[1] as Double]
            }
        }
        for format in ["csv", "json", "ndjson"] {
            let out = db.directory.appendingPathComponent("out.\(format)").path
            let r = try kvlab([
                "export", "--query", "SELECT logit_bias, entropy_delta FROM trials_wide ORDER BY trial", "--format",
                format, "--out", out, "--db", db.path,
            ])
            #expect(r.status == 0, "\(r.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            var parsed: [[Double]] = []
            switch format {
            case "csv":
                parsed = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
            default:
                // Foundation's JSONSerialization rounds some doubles on Linux: read the number texts.
                parsed = try text.split(separator: "\n").filter { $0.contains("{") }.map { line in
                    try ["logit_bias", "entropy_delta"].map { key in try Self.number(key, in: String(line)) }
                }
            }
            #expect(parsed.map { $0.map(\.bitPattern) } == stored.map { $0.map(\.bitPattern) }, "\(format)")
        }
        let table = try kvlab(["export", "--table", "run_means", "--format", "csv", "--db", db.path])
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("run_id,config_hash,scheme,"))
        let missing = try kvlab(["export", "--table", "nope", "--format", "csv", "--db", db.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("trials_wide"))
    }

    /// The number after `"key":` in a JSON line, parsed by Swift (exact round trip).
    static func number(_ key: String, in line: String) throws -> Double {
        let start = try #require(line.range(of: "\"\(key)\":")).upperBound
        let text = line[start...].prefix { $0 != "," && $0 != "}" }
        return try #require(Double(text))
    }
}
