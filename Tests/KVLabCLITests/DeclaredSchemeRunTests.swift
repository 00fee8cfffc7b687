import Foundation
import KVLabTestSupport
import Testing

/// A scheme declared in a spec runs end to end: run, agg, compare, a claim, verify; `kvlab trial` takes
/// the recipes directly (issue "Open the engine", item 2).
@Suite("declared schemes end to end")
struct DeclaredSchemeRunTests {
    static let spec = """
        name: declared
        seeds: 3
        trials: 2
        schemes:
          MSE2: {key: mse, value: mse}
          BQ: {key: baseline, value: prod}
        fixed: {dim: 16, tokens: 48, queries: 6}
        grid:
          scheme: [KQV, MSE2, BQ, prod+mse]
          bits: [3, 4]
        """

    @Test("run, agg --by scheme, compare --a KQV --b MSE2, a claim naming MSE2, verify")
    func endToEnd() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("declared.yaml")
        try Self.spec.write(to: specURL, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("d.sqlite").path
        let run = try KVLabProcess.run(["run", specURL.path, "--db", db, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let schemes = try KVLabProcess.run([
            "sql", "--db", db, "--format", "csv",
            "SELECT scheme, key_recipe, value_recipe, count(*) FROM run_means GROUP BY 1, 2, 3 ORDER BY 1",
        ])
        #expect(
            schemes.stdout
                == "scheme,key_recipe,value_recipe,count(*)\nBQ,baseline,prod,6\nKQV,mse,prod,6\nMSE2,mse,mse,6\n"
                + "prod+mse,prod,mse,6\n", "\(schemes.stderr)")
        let agg = try KVLabProcess.run(["agg", "--db", db, "--by", "scheme", "--metric", "kl", "--format", "csv"])
        #expect(agg.status == 0, "\(agg.stderr)")
        #expect(agg.stdout.contains("\nMSE2,") && agg.stdout.contains("\nBQ,"), "\(agg.stdout)")
        let compare = try KVLabProcess.run([
            "compare", "--db", db, "--metric", "k_angle", "--a", "KQV", "--b", "MSE2", "--by", "bits", "--format",
            "csv",
        ])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.split(separator: "\n").count == 3, "\(compare.stdout)")
        // A claim that names the declared scheme: MSE2 stores one float per V coordinate, KQV two (γ too).
        let claim = dir.appendingPathComponent("mse2-cheaper-v.sql")
        try """
        -- name: mse2-cheaper-v
        -- description: MSE2 stores fewer bits per V coordinate than KQV at every budget
        -- coverage: SELECT count(*) FROM run_means WHERE scheme = 'MSE2'
        -- coverage_min: 1
        SELECT a.bits FROM run_means AS a JOIN run_means AS b ON a.bits = b.bits AND a.seed = b.seed
        WHERE a.scheme = 'MSE2' AND b.scheme = 'KQV' AND (a.bits_v < b.bits_v) IS NOT 1
        """.write(to: claim, atomically: true, encoding: .utf8)
        let check = try KVLabProcess.run(["claims", "check", claim.path, "--db", db])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // The shipped sanity claims hold for declared schemes too (they read the recipe columns).
        let sanity = try KVLabProcess.run([
            "claims", "check", "sanity-effective-bits", "sanity-divergences-in-range", "--db", db,
        ])
        #expect(sanity.status == 0, "\(sanity.stdout)\(sanity.stderr)")
        let verify = try KVLabProcess.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
        // Rerunning plans nothing new; another name for a pair already named is refused.
        let again = try KVLabProcess.run(["run", specURL.path, "--db", db, "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        try Self.spec.replacingOccurrences(of: "MSE2", with: "TwoMSE").replacingOccurrences(
            of: "name: declared", with: "name: renamed"
        ).write(to: specURL, atomically: true, encoding: .utf8)
        let renamed = try KVLabProcess.run(["run", specURL.path, "--db", db, "--quiet"])
        #expect(renamed.status == 2, "\(renamed.stderr)")
        #expect(renamed.stderr.contains("already named MSE2"), "\(renamed.stderr)")
    }

    @Test("kvlab trial --key-recipe/--value-recipe: the shipped pair is the shipped scheme, others KEY+VALUE")
    func trialRecipes() throws {
        let base = ["trial", "--dim", "16", "--tokens", "32", "--queries", "4", "--format", "json"]
        let byName = try KVLabProcess.run(base + ["--scheme", "KQV"])
        let byRecipes = try KVLabProcess.run(base + ["--key-recipe", "mse", "--value-recipe", "prod"])
        #expect(byName.status == 0 && byRecipes.status == 0, "\(byRecipes.stderr)")
        #expect(byName.stdout == byRecipes.stdout)
        let pair = try KVLabProcess.run(base + ["--key-recipe", "mse", "--value-recipe", "mse"])
        for field in [#""scheme": "mse+mse""#, #""key_recipe": "mse""#, #""value_recipe": "mse""#, #""qjl": null"#] {
            #expect(pair.stdout.contains(field), "\(field): \(pair.stdout)")
        }
        #expect(!byName.stdout.contains("recipe"))
        let plus = try KVLabProcess.run(base + ["--scheme", "mse+mse"])
        #expect(plus.stdout == pair.stdout)
        let half = try KVLabProcess.run(base + ["--key-recipe", "mse"])
        #expect(half.status == 2, "\(half.stderr)")
        let unknown = try KVLabProcess.run(base + ["--scheme", "MSE9"])
        #expect(unknown.status == 2, "\(unknown.stderr)")
    }
}
