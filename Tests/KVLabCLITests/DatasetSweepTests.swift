import Foundation
import KVLabTestSupport
import Testing

/// Sweeps over a stored dataset end to end: import → run over every layer and head → the views, agg and
/// verify; resume; shards that get the dataset with --datasets-from, merged, equal one process (issue "Real
/// KV caches", items 1 and 3).
@Suite("dataset sweeps end to end")
struct DatasetSweepTests {
    static let spec = """
        name: toy-caches
        seeds: 3
        trials: 2
        fixed: {source: toy, queries: 6}
        grid:
          scheme: [KV, KQV, QKQV]
          bits: [2, 4]
          layer: all
          head: all
        """

    /// A database with the dataset `toy` (2 layers, 2 KV heads, 4 query heads, T = 24, d = 16) and the spec.
    static func setUp(_ dir: TemporaryDirectory) throws -> (db: String, spec: String) {
        var shape = DatasetFileWriter.Shape()
        shape.tokens = 24
        shape.headDim = 16
        let file = dir.path("toy.safetensors")
        try DatasetFileWriter.write(DatasetFileWriter.safetensors(DatasetFileWriter.tensors(shape, seed: 3)), to: file)
        let db = dir.path("d.sqlite")
        let imported = try KVLabProcess.run(["dataset", "import", file, "--name", "toy", "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        let spec = dir.path("toy.yaml")
        try Self.spec.write(toFile: spec, atomically: true, encoding: .utf8)
        return (db, spec)
    }

    static func trials(_ db: String) throws -> String {
        try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            "SELECT config_hash, seed, trial, kl, k_angle, o_rel_l2 FROM trials_wide ORDER BY 1, 2, 3",
        ])
    }

    @Test("run over every layer and head; generator switches NULL; dataset column; KV exactly constant; resume")
    func runAndQuery() throws {
        let dir = try TemporaryDirectory()
        let (db, spec) = try Self.setUp(dir)
        let run = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let shape = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            """
            SELECT count(*), count(DISTINCT layer || '/' || head), min(dim), min(tokens), min(queries),
                   count(distribution) + count(rank) + count(mixing) + count(noise) + count(outliers)
            FROM configs WHERE source IS NOT NULL
            """,
        ])
        #expect(shape.split(separator: "\n").last == "24,4,16,24,6,0", "\(shape)")
        let datasets = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv", "SELECT DISTINCT dataset FROM run_means",
        ])
        #expect(datasets == "dataset\ntoy\n")
        // The baseline is deterministic on fixed data: every seed gives the same value (sd exactly 0).
        let sd = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            "SELECT max(sd), min(n) FROM cell_stats WHERE scheme = 'KV' AND metric = 'kl'",
        ])
        #expect(sd.split(separator: "\n").last == "0.0,3", "\(sd)")
        let agg = try KVLabProcess.run([
            "agg", "--db", db, "--metric", "kl", "--by", "dataset,layer,head,scheme", "--where", "bits = 4",
            "--format", "csv",
        ])
        #expect(agg.status == 0 && agg.stdout.split(separator: "\n").count == 13, "\(agg.stdout)\(agg.stderr)")
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        // The dataset sanity claims hold on it; the synthetic and model claims are skipped (no such runs yet).
        let claims = try KVLabProcess.run(["claims", "check", "--db", db, "--param", "dataset=toy"])
        let summary = claims.stdout.split(separator: "\n").last ?? ""
        #expect(summary.hasSuffix(" 11 skipped"), "\(claims.stdout)")
        for name in [
            "dataset-sanity-divergences-in-range", "dataset-sanity-error-shrinks-with-bits",
            "dataset-sanity-effective-bits",
        ] {
            #expect(claims.stdout.contains("PASS          \(name) [dataset=toy]"), "\(claims.stdout)")
        }
        // The report has a section for the dataset: the kl ratio QKQV/KQV per (layer, head) at n = 4 equals the
        // ratio of the means over seeds that SQL gives, and a winner map.
        let report = dir.path("r.html")
        #expect(try KVLabProcess.run(["report", "--db", db, "--out", report]).status == 0)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<h2>Dataset toy</h2>") && html.contains("kl winner at n = 4"))
        // The winner map comes from the engine of `kvlab compare`: every (layer, head) has a cell, and no error.
        #expect(!html.contains("could not be read"), "\(html)")
        for (layer, head) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let cell = try #require(
                html.range(of: "<td data-layer=\"\(layer)\" data-head=\"\(head)\">")
                    ?? html.range(of: "data-layer=\"\(layer)\" data-head=\"\(head)\">"))
            let text = html[cell.upperBound...].prefix { $0 != "<" }
            #expect(["KV", "KQV", "QKQV", "—"].contains(String(text)), "\(text)")
        }
        let expected = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            """
            SELECT layer, head, avg(CASE scheme WHEN 'QKQV' THEN kl END) / avg(CASE scheme WHEN 'KQV' THEN kl END)
            FROM run_means WHERE bits = 4 GROUP BY layer, head ORDER BY layer, head
            """,
        ]).split(separator: "\n").dropFirst()
        #expect(expected.count == 4)
        for line in expected {
            let f = line.split(separator: ",")
            let ratio = try #require(Double(f[2]))
            let attribute = "data-layer=\"\(f[0])\" data-head=\"\(f[1])\" data-ratio=\""
            let start = try #require(html.range(of: attribute)).upperBound
            let shown = try #require(Double(html[start...].prefix { $0 != "\"" }))
            #expect(abs(shown - ratio) <= 1e-12 * ratio, "\(line)")
        }
        // Rerunning resumes: nothing is recomputed.
        let before = try Self.trials(db)
        let again = try KVLabProcess.run(["run", spec, "--db", db])
        #expect(again.status == 0 && again.stderr.contains("(0 newly planned)"), "\(again.stderr)")
        #expect(try Self.trials(db) == before)
        // A synthetic sweep with the same shape in the same database never pairs with the dataset runs.
        try "name: synth\nseeds: 3\ntrials: 2\nfixed: {dim: 16, tokens: 24, queries: 6}\ngrid: {scheme: [KV, KQV]}\n"
            .write(toFile: dir.path("synth.yaml"), atomically: true, encoding: .utf8)
        #expect(try KVLabProcess.run(["run", dir.path("synth.yaml"), "--db", db, "--quiet"]).status == 0)
        let pairs = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            """
            SELECT sum(a.source IS NULL AND b.source IS NULL), sum((a.source IS NULL) <> (b.source IS NULL)),
                   sum(a.source IS NOT NULL AND (a.layer <> b.layer OR a.head <> b.head))
            FROM run_pairs AS p JOIN run_means AS a ON a.run_id = p.a_run_id JOIN run_means AS b ON b.run_id = p.b_run_id
            """,
        ])
        #expect(pairs.split(separator: "\n").last == "6,0,0", "\(pairs)")
        // The dataset cannot be removed while runs use it.
        let rm = try KVLabProcess.run(["dataset", "rm", "toy", "--db", db])
        #expect(rm.status == 2, "\(rm.stderr)")
    }

    @Test("kvlab trial --source gives the sweep's stored numbers for one (layer, head); --record finds the run")
    func trialOnDataset() throws {
        let dir = try TemporaryDirectory()
        let (db, spec) = try Self.setUp(dir)
        #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet"]).status == 0)
        let stored = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            """
            SELECT config_hash, kl, k_angle, o_rel_l2 FROM trials_wide
            WHERE scheme = 'QKQV' AND bits = 2 AND layer = 1 AND head = 0 AND seed = 2 AND trial = 1
            """,
        ]).split(separator: "\n")
        #expect(stored.count == 2, "\(stored)")
        let expected = stored.last.map { $0.split(separator: ",").map(String.init) } ?? []
        let args = [
            "trial", "--source", "toy", "--layer", "1", "--head", "0", "--queries", "6", "--scheme", "QKQV",
            "--bits", "2", "--seed", "2", "--trial", "1", "--db", db,
        ]
        let trial = try KVLabProcess.run(args)
        #expect(trial.status == 0, "\(trial.stderr)")
        var shown: [String: String] = [:]
        for line in trial.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if f.count == 2 { shown[f[0]] = f[1] }
        }
        #expect(shown["config_hash"] == expected.first)
        for (k, name) in ["kl", "k_angle", "o_rel_l2"].enumerated() {
            #expect(shown[name].flatMap(Double.init) == Double(expected[k + 1]), "\(name)")
        }
        let recorded = try KVLabProcess.run(args + ["--record"])
        #expect(
            recorded.status == 0 && recorded.stderr.contains("already stored: trial 1 of run"), "\(recorded.stderr)")
        // Without a layer and head the dataset's 4 pairs are ambiguous; a layer it lacks and an unknown
        // dataset are bad input, and nothing is written.
        let ambiguous = try KVLabProcess.run(["trial", "--source", "toy", "--db", db])
        #expect(ambiguous.status == 2 && ambiguous.stderr.contains("4 (layer, KV head) pairs"), "\(ambiguous.stderr)")
        let layer = try KVLabProcess.run(["trial", "--source", "toy", "--layer", "2", "--head", "0", "--db", db])
        #expect(layer.status == 2 && layer.stderr.contains("--layer: 2 is out of range 0…1"), "\(layer.stderr)")
        let unknown = try KVLabProcess.run(["trial", "--source", "nope", "--layer", "0", "--head", "0", "--db", db])
        #expect(unknown.status == 2 && unknown.stderr.contains("no dataset named nope"), "\(unknown.stderr)")
        let dim = try KVLabProcess.run([
            "trial", "--source", "toy", "--layer", "0", "--head", "0", "--dim", "32", "--db", db,
        ])
        #expect(dim.status == 2 && dim.stderr.contains("--dim: 32 is not the head dim"), "\(dim.stderr)")
    }

    @Test("claims check --sweep sees only that sweep's runs; an unknown sweep is bad input")
    func claimsScopedToSweep() throws {
        let dir = try TemporaryDirectory()
        let (db, spec) = try Self.setUp(dir)
        #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet"]).status == 0)
        try "name: synth\nseeds: 2\ntrials: 1\nfixed: {dim: 16, tokens: 24, queries: 6}\ngrid: {scheme: [KV, KQV]}\n"
            .write(toFile: dir.path("synth.yaml"), atomically: true, encoding: .utf8)
        #expect(try KVLabProcess.run(["run", dir.path("synth.yaml"), "--db", db, "--quiet"]).status == 0)
        let claim = "dataset-sanity-effective-bits"
        let all = try KVLabProcess.run(["claims", "check", claim, "--param", "dataset=toy", "--db", db])
        #expect(all.status == 0 && all.stdout.contains("PASS"), "\(all.stdout)")
        // Restricted to the synthetic sweep, the dataset claim has no runs of its kind.
        let synth = try KVLabProcess.run([
            "claims", "check", claim, "--param", "dataset=toy", "--sweep", "synth", "--db", db,
        ])
        #expect(synth.status == 4 && synth.stdout.contains("SKIPPED"), "\(synth.stdout)")
        let own = try KVLabProcess.run([
            "claims", "check", claim, "--param", "dataset=toy", "--sweep", "toy-caches", "--db", db,
        ])
        #expect(own.status == 0 && own.stdout.contains("PASS"), "\(own.stdout)")
        // The scoped fingerprint covers the sweep's runs only: it differs from the unscoped one.
        let prints = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv", "SELECT count(DISTINCT data_fingerprint) FROM claim_evaluations",
        ])
        #expect(prints.split(separator: "\n").last == "2", "\(prints)")
        // compare --sweep: the synthetic sweep alone has its KQV/KV pairs; the dataset sweep's are left out.
        let compare = ["compare", "--metric", "kl", "--a", "KQV", "--b", "KV", "--by", "dataset", "--format", "csv"]
        let everything = try KVLabProcess.output(compare + ["--db", db])
        let scoped = try KVLabProcess.output(compare + ["--sweep", "synth", "--db", db])
        #expect(everything.split(separator: "\n").count == 3, "\(everything)")
        #expect(scoped.split(separator: "\n").count == 2 && scoped.contains("\n,"), "\(scoped)")
        let unknown = try KVLabProcess.run(["claims", "check", claim, "--sweep", "nosuch", "--db", db])
        #expect(unknown.status == 2 && unknown.stderr.contains("no sweep named nosuch"), "\(unknown.stderr)")
    }

    @Test("2 shards given the dataset with --datasets-from, merged, equal one process")
    func shards() throws {
        let dir = try TemporaryDirectory()
        let (db, spec) = try Self.setUp(dir)
        let whole = dir.path("whole.sqlite")
        #expect(try KVLabProcess.run(["run", spec, "--db", whole, "--datasets-from", db, "--quiet"]).status == 0)
        var shards: [String] = []
        for i in 0..<2 {
            let shard = dir.path("shard\(i).sqlite")
            let r = try KVLabProcess.run([
                "run", spec, "--shard", "\(i)/2", "--db", shard, "--datasets-from", db, "--quiet",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            shards.append(shard)
        }
        // Without the datasets, a fresh shard database cannot plan the spec: a clear error, exit 2.
        let bare = try KVLabProcess.run(["run", spec, "--shard", "0/2", "--db", dir.path("bare.sqlite")])
        #expect(bare.status == 2 && bare.stderr.contains("no dataset named toy"), "\(bare.stderr)")
        let merged = dir.path("merged.sqlite")
        let merge = try KVLabProcess.run(["merge", "--into", merged] + shards)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try Self.trials(merged) == Self.trials(whole))
        #expect(try KVLabProcess.run(["verify", "--db", merged]).status == 0)
        // slurm-script gives every task the datasets; without --datasets-from it says what is missing.
        let script = try KVLabProcess.run(["slurm-script", spec, "--tasks", "3", "--datasets-from", db])
        #expect(script.status == 0, "\(script.stderr)")
        #expect(script.stdout.contains("--jobs 1 --datasets-from '\(db)'"), "\(script.stdout)")
        let missing = try KVLabProcess.run(["slurm-script", spec, "--tasks", "3"])
        #expect(missing.status == 2 && missing.stderr.contains("--datasets-from"), "\(missing.stderr)")
    }
}
