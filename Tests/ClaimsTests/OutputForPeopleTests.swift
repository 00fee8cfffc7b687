import ExperimentStore
import Foundation
import KVLabTestSupport
import Testing

@testable import Claims

/// Output for people (4 significant digits by default, `--digits`, constant columns factored out) and
/// machines (full precision), and mistakes answered well (`--where`, coverage, `--param`), run as the
/// built binary.
struct OutputForPeopleTests {
    func kvlab(_ arguments: [String]) throws -> KVLabProcess.Result {
        try KVLabProcess.run(arguments)
    }

    /// The widest line of a text.
    func width(_ text: String) -> Int {
        text.split(separator: "\n").map(\.count).max() ?? 0
    }

    @Test("agg --by scheme,bits --metric kl fits 100 columns; --digits full prints every digit")
    func aggFitsOneHundredColumns() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let agg = try kvlab(["agg", "--by", "scheme,bits", "--metric", "kl", "--db", db.path])
        #expect(agg.status == 0, "\(agg.stderr)")
        #expect(agg.stdout.split(separator: "\n").count == 2 + 15)
        #expect(width(agg.stdout) <= 100, "\(agg.stdout)")
        // KQV at 4 bits: the mean over seeds of 4^-4 · (1 + 0.01·noise) is 4^-4 (the noise sums to zero).
        let row = try #require(agg.stdout.split(separator: "\n").first { $0.hasPrefix("KQV ") && $0.contains("  4  ") })
        #expect(row.split(separator: " ").contains("0.003906"), "\(row)")  // 1/256 = 0.00390625 to 4 digits
        let full = try kvlab(["agg", "--by", "scheme,bits", "--metric", "kl", "--db", db.path, "--digits", "full"])
        #expect(width(full.stdout) > 100)
        let two = try kvlab(["agg", "--by", "scheme,bits", "--metric", "kl", "--db", db.path, "--digits", "2"])
        #expect(two.stdout.contains(" 0.0039 "), "\(two.stdout)")
        for bad in ["0", "18", "many"] {
            let r = try kvlab(["agg", "--by", "scheme", "--metric", "kl", "--db", db.path, "--digits", bad])
            #expect(r.status == 2, "\(bad): \(r.stderr)")
        }
    }

    @Test("--format csv round-trips every double of agg, bit for bit, whatever --digits says")
    func csvRoundTrips() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let query = try AggregationQuery(
            dimensions: ["scheme", "bits"], metrics: ["kl"], allowedDimensions: ["scheme", "bits"])
        let expected = try db.store.execute(sql: query.sql)
        let csv = try kvlab([
            "agg", "--by", "scheme,bits", "--metric", "kl", "--db", db.path, "--format", "csv", "--digits", "3",
        ])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(lines.first?.map(String.init) == expected.columns)
        #expect(lines.count == expected.rows.count + 1)
        var doubles = 0
        for (fields, row) in zip(lines.dropFirst(), expected.rows) {
            for (field, value) in zip(fields, row) {
                guard case .real(let d) = value else { continue }
                #expect(Double(String(field))?.bitPattern == d.bitPattern, "\(field) vs \(d)")
                doubles += 1
            }
        }
        #expect(doubles == 15 * 4)  // mean, sd, ci95_low, ci95_high per row
    }

    @Test("claims check: failing rows rounded, their constant columns listed once, every line ≤ 120 columns")
    func claimsOutputFitsOneHundredTwentyColumns() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let claim = db.directory.appendingPathComponent("wide.sql").path
        try """
        -- coverage: SELECT count(*) FROM run_means
        SELECT scheme, bits, distribution, rank, mixing, noise, outliers, dim, tokens, queries, seed, run_id,
            kl, k_angle, dist6_geo, k_rel_l2, js
        FROM run_means WHERE bits = 4 AND distribution = 't3' ORDER BY scheme, seed
        """.write(toFile: claim, atomically: true, encoding: .utf8)
        let r = try kvlab(["claims", "check", claim, "--db", db.path])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(width(r.stdout) <= 120, "\(r.stdout)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let same = try #require(lines.first { $0.hasPrefix("    same in every row: ") })
        #expect(same.contains("bits=4,") && same.contains("distribution=t3,") && same.contains("rank=8"), "\(same)")
        let header = try #require(lines.first { $0.hasPrefix("    scheme") })
        #expect(!header.contains("distribution") && header.contains("kl"), "\(header)")
        #expect(!r.stdout.contains("0.00390625"))  // 4 significant digits: 0.003906…
        let full = try kvlab(["claims", "check", claim, "--db", db.path, "--digits", "full"])
        #expect(full.stdout.contains("0.0039"))
        #expect(width(full.stdout) > width(r.stdout))
        // One failing row: its name=value pairs, wrapped.
        let one = try kvlab(["claims", "check", claim, "--db", db.path, "--limit", "1"])
        let pairs = one.stdout.split(separator: "\n").dropFirst().prefix {
            $0.hasPrefix("    ") && !$0.hasPrefix("    …")
        }
        #expect(
            pairs.first?.hasPrefix("    scheme=KQV, bits=4, distribution=t3, rank=8, mixing=axis, noise=0.1") == true,
            "\(one.stdout)")
        #expect(pairs.count > 1 && width(one.stdout) <= 120, "\(one.stdout)")
    }

    @Test("a misspelt --where column names the nearest one, in agg and compare, with exit 2")
    func misspeltColumns() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let agg = try kvlab([
            "agg", "--by", "scheme", "--metric", "kl", "--where", "distrbution = 't3'", "--db", db.path,
        ])
        #expect(agg.status == 2)
        #expect(
            agg.stderr
                == "kvlab: error: --where: no such column: distrbution; did you mean distribution? "
                + "(the condition is SQL on the columns of run_means)\n")
        let compare = try kvlab([
            "compare", "--metric", "kl", "--a", "KQV", "--b", "QKQV", "--where", "p.bitz = 4", "--db", db.path,
        ])
        #expect(compare.status == 2)
        #expect(compare.stderr.contains("--where: no such column: p.bitz; did you mean bits?"), "\(compare.stderr)")
        // The user's own SQL (kvlab sql, export --query) gets the nearest column of any table or view.
        for arguments in [
            ["sql", "SELECT distrbution FROM run_means"],
            ["export", "--query", "SELECT seeed FROM runs", "--format", "csv"],
        ] {
            let r = try kvlab(arguments + ["--db", db.path])
            #expect(r.status == 2, "\(r.stderr)")
            let near = arguments[0] == "sql" ? "distrbution; did you mean distribution?" : "seeed; did you mean seed?"
            #expect(r.stderr.contains("no such column: " + near), "\(r.stderr)")
        }
        let unknown = try kvlab(["agg", "--by", "scheme", "--metric", "kl", "--where", "zzz = 1", "--db", db.path])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no such column: zzz; run_means has: run_id, "), "\(unknown.stderr)")
    }

    @Test("a mistake in the user's own SQL is bad input (exit 2), not a failure; refusals keep their reason")
    func userSQLMistakesAreBadInput() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let misspelt = try kvlab(["sql", "SELECT distrbution FROM run_means", "--db", db.path])
        #expect(misspelt.status == 2)
        #expect(
            misspelt.stderr
                == "kvlab: error: SQL error: no such column: distrbution; did you mean distribution? in: "
                + "SELECT distrbution FROM run_means\n")
        // Syntax, unknown tables and functions, a value SQLite rejects: all the user's SQL, all exit 2.
        for (sql, reason) in [
            ("SELEC 1", "syntax error"), ("SELECT * FROM no_such_table", "no such table: no_such_table"),
            ("SELECT no_such_function(1)", "no such function: no_such_function"),
            ("SELECT json_extract('{', '$')", "malformed JSON"),
        ] {
            let r = try kvlab(["sql", sql, "--db", db.path])
            #expect(r.status == 2, "\(sql): \(r.stderr)")
            #expect(r.stderr.contains(reason), "\(sql): \(r.stderr)")
        }
        let write = try kvlab(["sql", "--write", "UPDATE runs SET stat = 1", "--db", db.path])
        #expect(write.status == 2)
        #expect(write.stderr.contains("no such column: stat; did you mean state?"), "\(write.stderr)")
        // The guard's refusals are bad input too, with their own reason.
        let attach = try kvlab(["sql", "ATTACH DATABASE ':memory:' AS other", "--db", db.path])
        #expect(attach.status == 2)
        #expect(attach.stderr.contains("refused: "), "\(attach.stderr)")
    }

    @Test("a --where that matches nothing warns on stderr")
    func whereMatchingNothingWarns() throws {
        let db = try FixtureDatabase()
        try db.addGrid()
        let r = try kvlab(["agg", "--by", "scheme", "--metric", "kl", "--where", "bits = 9", "--db", db.path])
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").count == 2, "\(r.stdout)")  // the header only
        #expect(r.stderr.hasPrefix("kvlab: warning: --where bits = 9 matches no row of run_means"), "\(r.stderr)")
        let some = try kvlab(["agg", "--by", "scheme", "--metric", "kl", "--where", "bits = 4", "--db", db.path])
        #expect(some.stderr.isEmpty, "\(some.stderr)")
    }
}
