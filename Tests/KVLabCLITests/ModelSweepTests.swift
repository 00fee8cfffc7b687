import Crypto
import Foundation
import KVLabTestSupport
import Testing

/// Model-level sweeps end to end on a tiny model the test writes (issue 17): `model add`, `text add
/// --tokens-file`, a sweep over model/text whose trials carry the model metrics only, the same values on 1
/// and 2 workers and through 2 shards merged (the shards get the model and text with --datasets-from), the
/// list commands; and a model file changed after registration is refused, never used.
@Suite("model-level sweeps end to end")
struct ModelSweepTests {
    static let spec = """
        name: tiny-model
        seeds: 2
        trials: 2
        fixed: {model: tiny, text: twenty}
        grid:
          scheme: [KV, KQV]
          bits: [4]
        """

    /// 20 token ids of the tiny model's vocabulary (300 tokens), not all bytes.
    static let ids = (0..<20).map { 3 + (37 * $0 + 11) % 297 }

    /// The tiny model's shape: 2 layers, d_model 64, 4 query heads and 2 KV heads of dim 16.
    static func configuration(seed: UInt64 = 0) -> TinyLlama.Configuration {
        var c = TinyLlama.Configuration()
        c.embeddingLength = 64
        c.headCount = 4
        c.kvHeadCount = 2
        c.feedForwardLength = 96
        c.seed = seed
        return c
    }

    static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of the ids as little-endian uint32, computed here from the bytes.
    static var idsSHA256: String {
        sha256(ids.flatMap { id in (0..<4).map { UInt8((UInt32(id) >> (8 * $0)) & 0xff) } })
    }

    /// A database with the model `tiny` registered and the text `twenty` stored, and the spec file.
    static func setUp(_ dir: TemporaryDirectory) throws -> (db: String, spec: String, model: String) {
        let model = dir.path("tiny.gguf")
        try TinyLlama.write(to: URL(fileURLWithPath: model), configuration())
        let modelSHA = sha256(try Data(contentsOf: URL(fileURLWithPath: model)))
        let db = dir.path("m.sqlite")
        let add = try KVLabProcess.run(["model", "add", model, "--name", "tiny", "--db", db])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(
            add.stdout
                == "registered model 'tiny' (\(modelSHA)): 2 layers, 2 KV heads, head dim 16, at \(model)\n")
        let tokens = dir.path("ids.json")
        try ("[" + ids.map(String.init).joined(separator: ", ") + "]\n")
            .write(toFile: tokens, atomically: true, encoding: .utf8)
        let text = try KVLabProcess.run([
            "text", "add", "--tokens-file", tokens, "--name", "twenty", "--model", "tiny", "--db", db,
        ])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == "stored text 'twenty' (\(idsSHA256)): 20 tokens\n")
        let spec = dir.path("tiny-model.yaml")
        try Self.spec.write(toFile: spec, atomically: true, encoding: .utf8)
        return (db, spec, model)
    }

    static func count(_ db: String, _ sql: String) throws -> String { try KVLabProcess.scalar(db, sql) }

    @Test("model add, text add, a sweep with the model metrics only; 1 and 2 workers and 2 merged shards agree")
    func sweep() throws {
        let dir = try TemporaryDirectory()
        let (db, spec, model) = try Self.setUp(dir)
        let modelSHA = Self.sha256(try Data(contentsOf: URL(fileURLWithPath: model)))

        let run = try KVLabProcess.run(["run", spec, "--db", db, "--jobs", "2", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        // 2 schemes × 1 budget × 2 seeds = 4 runs of 2 trials, each with the model metrics and no attention
        // metric; the configs name the model and text by hash and the views by name.
        let shape = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            """
            SELECT count(*), count(next_kl), count(ppl_ratio), count(nll_delta), count(next_top1_agree),
                   count(kl) + count(js) + count(tv) + count(k_angle) + count(o_rel_l2) + count(top1_flip),
                   count(DISTINCT run_id), min(model_name), min(text_name), count(DISTINCT model),
                   min(model) = '\(modelSHA)', min(text) = '\(Self.idsSHA256)', min(tokens), max(tokens),
                   count(positions) + count(layers) + count(queries)
            FROM trials_wide
            """,
        ])
        #expect(shape.split(separator: "\n").last == "8,8,8,8,8,0,4,tiny,twenty,1,1,1,20,20,0", "\(shape)")
        // The metrics are in range; at 4 bits the caches change the predictions a little, not nothing.
        let ranges = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv",
            """
            SELECT min(next_kl) > 0, max(next_kl) < 1, min(ppl_ratio) > 0, min(next_top1_agree) >= 0,
                   max(next_top1_agree) <= 1, count(bits_k), count(bits_v)
            FROM trials_wide
            """,
        ])
        #expect(ranges.split(separator: "\n").last == "1,1,1,1,1,8,8", "\(ranges)")
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)

        // kvlab trial computes one model-level trial as the sweep did: the same config hash and metrics.
        let stored =
            try KVLabProcess.output([
                "sql", "--db", db, "--format", "csv",
                "SELECT config_hash, next_kl, ppl_ratio FROM trials_wide WHERE scheme = 'KQV' AND seed = 1 AND trial = 1",
            ]).split(separator: "\n").last.map(String.init) ?? ""
        let trial = try KVLabProcess.run([
            "trial", "--model", "tiny", "--text", "twenty", "--scheme", "KQV", "--bits", "4", "--seed", "1",
            "--trial", "1", "--db", db,
        ])
        #expect(trial.status == 0, "\(trial.stderr)")
        var shown: [String: String] = [:]
        for line in trial.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if f.count == 2 { shown[f[0]] = f[1] }
        }
        let fields = stored.split(separator: ",").map(String.init)
        #expect(shown["config_hash"] == fields.first)
        #expect(shown["next_kl"] == fields[1] && shown["ppl_ratio"] == fields[2], "\(stored)\n\(trial.stdout)")
        #expect(shown["kl"] == nil)

        // Rerunning resumes: nothing is recomputed.
        let reference = try KVLabProcess.dump(db)
        let again = try KVLabProcess.run(["run", spec, "--db", db])
        #expect(again.status == 0 && again.stderr.contains("(0 newly planned)"), "\(again.stderr)")
        #expect(try KVLabProcess.dump(db) == reference)

        // One worker, another database given the model and text with --datasets-from: bit-identical trials.
        let single = dir.path("single.sqlite")
        let one = try KVLabProcess.run(["run", spec, "--db", single, "--jobs", "1", "--datasets-from", db])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stderr.contains("copied 2 dataset(s), model(s) and text(s)"), "\(one.stderr)")
        #expect(try KVLabProcess.dump(single) == reference)

        // Two shards, each given only what it reads, merged: bit-identical too.
        var shards: [String] = []
        for i in 0..<2 {
            let shard = dir.path("shard\(i).sqlite")
            let r = try KVLabProcess.run([
                "run", spec, "--shard", "\(i)/2", "--db", shard, "--datasets-from", db, "--jobs", "1", "--quiet",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(
                try Self.count(
                    shard,
                    "SELECT (SELECT group_concat(name) FROM models) || '/' || (SELECT group_concat(name) FROM texts)")
                    == "tiny/twenty")
            #expect(try Self.count(shard, "SELECT count(*) FROM runs") == "2")
            shards.append(shard)
        }
        // Without --datasets-from a fresh shard cannot plan the spec: exit 2 naming the model.
        let bare = try KVLabProcess.run(["run", spec, "--shard", "0/2", "--db", dir.path("bare.sqlite")])
        #expect(bare.status == 2 && bare.stderr.contains("no model named tiny"), "\(bare.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("bare.sqlite")))
        let merged = dir.path("merged.sqlite")
        let merge = try KVLabProcess.run(["merge", "--into", merged] + shards)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try KVLabProcess.dump(merged) == reference)
        #expect(try KVLabProcess.run(["verify", "--db", merged]).status == 0)
        #expect(try Self.count(merged, "SELECT count(*) || '/' || (SELECT count(*) FROM texts) FROM models") == "1/1")

        // model list and text list show them.
        let models = try KVLabProcess.output(["model", "list", "--db", db, "--format", "csv"])
        let modelLines = models.split(separator: "\n")
        #expect(modelLines.first == "name,sha256,layers,kv_heads,query_heads,head_dim,vocab,path,created")
        #expect(modelLines.count == 2)
        #expect(modelLines.last?.hasPrefix("tiny,\(modelSHA),2,2,4,16,300,\(model),") == true, "\(models)")
        let texts = try KVLabProcess.output(["text", "list", "--db", db, "--format", "csv"])
        #expect(texts == "name,kind,sha256,tokens,model\ntwenty,text,\(Self.idsSHA256),20,tiny\n")
        let table = try KVLabProcess.output(["model", "list", "--db", merged])
        #expect(table.contains("tiny") && table.contains(modelSHA), "\(table)")
    }

    @Test("a model file changed after registration is refused: the runs fail naming the SHA-256, no trial is stored")
    func changedModelRefused() throws {
        let dir = try TemporaryDirectory()
        let (db, spec, model) = try Self.setUp(dir)
        let original = try Data(contentsOf: URL(fileURLWithPath: model))
        let registered = Self.sha256(original)
        // The same file in another database computes the reference values.
        let reference = dir.path("reference.sqlite")
        #expect(try KVLabProcess.run(["run", spec, "--db", reference, "--datasets-from", db, "--quiet"]).status == 0)

        // Overwrite the file with another tiny model (another seed, same shape), then run.
        try TinyLlama.write(to: URL(fileURLWithPath: model), Self.configuration(seed: 7))
        let replaced = Self.sha256(try Data(contentsOf: URL(fileURLWithPath: model)))
        #expect(replaced != registered)
        let run = try KVLabProcess.run(["run", spec, "--db", db, "--jobs", "2"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("4 runs failed"), "\(run.stderr)")
        #expect(run.stderr.contains("has SHA-256 \(replaced), not the registered \(registered)"), "\(run.stderr)")
        #expect(run.stderr.contains("changed or replaced"), "\(run.stderr)")
        #expect(try Self.count(db, "SELECT count(*) FROM trials") == "0")
        #expect(try Self.count(db, "SELECT count(*) FROM runs WHERE state = 'failed'") == "4")
        #expect(try Self.count(db, "SELECT count(*) FROM runs WHERE error LIKE '%SHA-256%changed%'") == "4")
        let status = try KVLabProcess.run(["status", "--db", db, "--format", "json"])
        #expect(status.status == 0 && status.stdout.contains("\"failed\":4"), "\(status.stdout)")
        // text add opens the model too: refused (exit 2), nothing stored.
        let tokens = dir.path("more.json")
        try "[5, 6, 7]".write(toFile: tokens, atomically: true, encoding: .utf8)
        let text = try KVLabProcess.run([
            "text", "add", "--tokens-file", tokens, "--name", "more", "--model", "tiny", "--db", db,
        ])
        #expect(text.status == 2 && text.stderr.contains("changed or replaced"), "\(text.stderr)")
        #expect(try Self.count(db, "SELECT count(*) FROM texts") == "1")

        // The original file back: retry and run give the reference values.
        try original.write(to: URL(fileURLWithPath: model))
        #expect(try KVLabProcess.run(["retry", "--db", db]).status == 0)
        let resumed = try KVLabProcess.run(["run", "--db", db, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try KVLabProcess.dump(db) == KVLabProcess.dump(reference))
    }

    @Test("a captured dataset serves as the text; shards given it with --datasets-from get the dataset, merged equal")
    func datasetAsText() throws {
        let dir = try TemporaryDirectory()
        let (db, _, model) = try Self.setUp(dir)
        let text = dir.path("text.txt")
        try "the cat sat on the mat, and the world said hello.".write(toFile: text, atomically: true, encoding: .utf8)
        let capture = try KVLabProcess.run([
            "capture", model, "--text", text, "--name", "cap", "--db", db, "--threads", "1", "--quiet",
        ])
        #expect(capture.status == 0, "\(capture.stderr)")
        let tokens = try Self.count(db, "SELECT tokens FROM datasets WHERE name = 'cap'")
        let idsHash = try Self.count(db, "SELECT token_ids_sha256 FROM datasets WHERE name = 'cap'")
        #expect(Int(tokens).map { $0 >= 2 } == true && idsHash.count == 64, "\(tokens) \(idsHash)")
        let texts = try KVLabProcess.output(["text", "list", "--db", db, "--format", "csv"])
        #expect(texts.contains("\ncap,dataset,\(idsHash),\(tokens),"), "\(texts)")
        let spec = dir.path("cap.yaml")
        try "name: cap\nseeds: 2\ntrials: 1\nfixed: {model: tiny, text: cap}\ngrid: {scheme: [KV, KQV], bits: [3]}\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let run = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            try Self.count(db, "SELECT count(*) || '/' || min(text_name) || '/' || min(tokens) FROM trials_wide")
                == "4/cap/\(tokens)")
        #expect(try Self.count(db, "SELECT count(*) FROM configs WHERE text = '\(idsHash)'") == "2")
        var shards: [String] = []
        for i in 0..<2 {
            let shard = dir.path("cap\(i).sqlite")
            let r = try KVLabProcess.run([
                "run", spec, "--shard", "\(i)/2", "--db", shard, "--datasets-from", db, "--jobs", "1", "--quiet",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            // The text is the dataset's ids: the shard got the dataset (and the model), no stored text.
            #expect(
                try Self.count(
                    shard,
                    "SELECT (SELECT group_concat(name) FROM datasets) || '/' || (SELECT count(*) FROM texts) || '/' "
                        + "|| (SELECT group_concat(name) FROM models)") == "cap/0/tiny")
            shards.append(shard)
        }
        let merged = dir.path("merged.sqlite")
        #expect(try KVLabProcess.run(["merge", "--into", merged] + shards).status == 0)
        #expect(try KVLabProcess.dump(merged) == KVLabProcess.dump(db))
        #expect(try KVLabProcess.run(["verify", "--db", merged]).status == 0)
    }

    @Test("a stored text whose ids were altered is refused by the runs, never read under its recorded hash")
    func damagedTextRefused() throws {
        let dir = try TemporaryDirectory()
        let (db, spec, _) = try Self.setUp(dir)
        // 20 zero ids (the length check of the table holds): the recorded SHA-256 no longer matches.
        let damage = try KVLabProcess.run([
            "sql", "--write", "--db", db, "UPDATE texts SET token_ids = zeroblob(80) WHERE name = 'twenty'",
        ])
        #expect(damage.status == 0, "\(damage.stderr)")
        let verify = try KVLabProcess.run(["verify", "--db", db])
        #expect(verify.status != 0 && verify.stdout.contains("text 'twenty'"), "\(verify.stdout)\(verify.stderr)")
        let run = try KVLabProcess.run(["run", spec, "--db", db, "--jobs", "1"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("4 runs failed"), "\(run.stderr)")
        #expect(run.stderr.contains("its token ids do not match that hash"), "\(run.stderr)")
        #expect(try Self.count(db, "SELECT count(*) FROM trials") == "0")
    }

    @Test("model add and text add refuse a second name for one model, another model under a name, a dataset's name")
    func registrationErrors() throws {
        let dir = try TemporaryDirectory()
        let (db, _, model) = try Self.setUp(dir)
        let registered = Self.sha256(try Data(contentsOf: URL(fileURLWithPath: model)))
        // The same file under a second name: exit 2 naming the first.
        let second = try KVLabProcess.run(["model", "add", model, "--name", "other", "--db", db])
        #expect(second.status == 2 && second.stderr.contains("already stored as 'tiny'"), "\(second.stderr)")
        // Another model under the name: exit 2.
        let otherPath = dir.path("other.gguf")
        try TinyLlama.write(to: URL(fileURLWithPath: otherPath), Self.configuration(seed: 3))
        let taken = try KVLabProcess.run(["model", "add", otherPath, "--name", "tiny", "--db", db])
        #expect(taken.status == 2 && taken.stderr.contains("'tiny' is already used by model \(registered)"))
        // The file moved: adding it again at its new place updates the path.
        let moved = dir.path("moved.gguf")
        try FileManager.default.moveItem(atPath: model, toPath: moved)
        let update = try KVLabProcess.run(["model", "add", moved, "--name", "tiny", "--db", db])
        #expect(
            update.status == 0 && update.stdout.hasPrefix("updated model 'tiny' (\(registered))"), "\(update.stdout)")
        #expect(try Self.count(db, "SELECT path FROM models") == moved)
        // The same ids under a second text name: exit 2.
        let tokens = dir.path("ids.json")
        let copy = try KVLabProcess.run([
            "text", "add", "--tokens-file", tokens, "--name", "copy", "--model", "tiny", "--db", db,
        ])
        #expect(copy.status == 2 && copy.stderr.contains("already stored as 'twenty'"), "\(copy.stderr)")
        // A dataset's name: exit 2.
        let file = dir.path("caps.safetensors")
        try DatasetFileWriter.write(DatasetFileWriter.safetensors(DatasetFileWriter.tensors(seed: 1)), to: file)
        #expect(try KVLabProcess.run(["dataset", "import", file, "--name", "caps", "--db", db]).status == 0)
        try "[5, 6, 7]".write(toFile: dir.path("more.json"), atomically: true, encoding: .utf8)
        let dataset = try KVLabProcess.run([
            "text", "add", "--tokens-file", dir.path("more.json"), "--name", "caps", "--model", "tiny", "--db", db,
        ])
        #expect(
            dataset.status == 2 && dataset.stderr.contains("'caps' is already used by a dataset"), "\(dataset.stderr)")
        #expect(try Self.count(db, "SELECT count(*) || '/' || (SELECT count(*) FROM texts) FROM models") == "1/1")
    }
}
