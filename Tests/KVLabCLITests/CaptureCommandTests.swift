import Foundation
import KVLabTestSupport
import Models
import Testing

/// `kvlab capture` on a tiny model the test writes: the stored dataset holds exactly the model's captured
/// tensors, the printed perplexity is the model's, the capture is deterministic across thread counts, and a
/// sweep runs on it; bad input changes nothing (issue "Real models in Swift", item 4).
@Suite("kvlab capture end to end")
struct CaptureCommandTests {
    static func model(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path("tiny.gguf")
        try TinyLlama.writer().write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("capture stores the model's K, V and Q, prints its perplexity, and is the same on 1 and 2 threads")
    func capture() throws {
        let dir = try TemporaryDirectory()
        let model = try Self.model(dir)
        let text = dir.path("text.txt")
        try "the cat sat on the mat. 12345 the end.".write(toFile: text, atomically: true, encoding: .utf8)
        let db = dir.path("d.sqlite")
        let r = try KVLabProcess.run([
            "capture", model, "--text", text, "--name", "tiny", "--db", db, "--threads", "1", "--quiet",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // The independent computation: the same model, tokenizer and forward pass in-process.
        let file = try GGUFFile(contentsOf: URL(fileURLWithPath: model))
        let tokenizer = try loadTokenizer(from: file)
        let tokens = tokenizer.encode(try String(contentsOfFile: text, encoding: .utf8), parseSpecial: false)
        let llama = try LlamaModel(gguf: file)
        let expected = try llama.capture(tokens: tokens, threads: 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.contains("tokens: \(tokens.count)"))
        #expect(lines.contains("perplexity: \(expected.evaluation.perplexity)"), "\(r.stdout)")
        // Every stored tensor equals the captured one, bit for bit.
        let d = expected.dimensions.headDim
        for layer in 0..<expected.dimensions.layers {
            for (kind, heads) in [
                ("k", expected.keys[layer]), ("v", expected.values[layer]), ("q", expected.queries[layer]),
            ] {
                for (head, values) in heads.enumerated() {
                    let hex = try KVLabProcess.output([
                        "sql", "--db", db, "--format", "csv",
                        "SELECT hex(data) FROM dataset_tensors WHERE kind = '\(kind)' AND layer = \(layer) AND head = \(head)",
                    ]).split(separator: "\n")[1]
                    var bytes: [UInt8] = []
                    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                    #expect(hex == bytes.map { String(format: "%02X", $0) }.joined(), "\(kind) \(layer) \(head)")
                    #expect(values.count == tokens.count * d)
                }
            }
        }
        let ids = try KVLabProcess.output([
            "sql", "--db", db, "--format", "csv", "SELECT token_ids, text FROM datasets",
        ])
        #expect(ids.contains("[" + tokens.map(String.init).joined(separator: ",") + "]"))
        // Two threads give the same content hash; a second name for the same content is refused (exit 2).
        let db2 = dir.path("e.sqlite")
        let r2 = try KVLabProcess.run([
            "capture", model, "--text", text, "--name", "tiny", "--db", db2, "--threads", "2", "--quiet",
        ])
        #expect(r2.status == 0 && lines.first == r2.stdout.split(separator: "\n").first, "\(r2.stdout)")
        let again = try KVLabProcess.run(["capture", model, "--text", text, "--name", "other", "--db", db, "--quiet"])
        #expect(again.status == 2, "\(again.stderr)")
        // A sweep runs on the captured dataset (d = 8 is a power of two: the default rotation works).
        let spec = dir.path("s.yaml")
        try "name: s\nseeds: 2\ntrials: 1\nfixed: {source: tiny, queries: 3}\ngrid: {scheme: [KV, KQV], bits: [2]}\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let run = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            try KVLabProcess.scalar(db, "SELECT count(*) FROM run_means WHERE dataset = 'tiny'") == "\(2 * 2 * 2 * 2)")
    }

    @Test(
        "bad input exits 2 and creates no dataset",
        arguments: [
            (["--text", "missing.txt"], "cannot be read"),
            (["--tokens-file", "ids.txt"], "is not a token id"),
            ([] as [String], "exactly one of --text"),
        ])
    func badInput(arguments: [String], message: String) throws {
        let dir = try TemporaryDirectory()
        let model = try Self.model(dir)
        try "[1, 2, 99999]".write(toFile: dir.path("ids.txt"), atomically: true, encoding: .utf8)
        let db = dir.path("d.sqlite")
        let r = try KVLabProcess.run(["capture", model, "--name", "x", "--db", db] + arguments, in: dir.url)
        #expect(r.status == 2 && r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let notModel = dir.path("not.gguf")
        try "hello".write(toFile: notModel, atomically: true, encoding: .utf8)
        let r2 = try KVLabProcess.run(["capture", notModel, "--text", dir.path("ids.txt"), "--name", "x", "--db", db])
        #expect(r2.status == 2, "\(r2.stderr)")
    }

    @Test("model generate answers greedily through ChatML: the in-process greedy decode, on 1 and 2 threads")
    func generate() throws {
        let dir = try TemporaryDirectory()
        let model = try Self.model(dir)
        let file = try GGUFFile(contentsOf: URL(fileURLWithPath: model))
        let tokenizer = try loadTokenizer(from: file)
        let llama = try LlamaModel(gguf: file)
        let prompt = tokenizer.encode(
            "<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n", parseSpecial: true)
        let end = try #require(tokenizer.id(of: "<|im_end|>"))
        let stops = Set([end] + (tokenizer.eos.map { [$0] } ?? []))
        let answer = try llama.generateGreedy(prompt: prompt, maxNewTokens: 12, stopTokens: stops, threads: 1)
        let expected = try tokenizer.decode(answer.filter { !stops.contains($0) })
        for threads in ["1", "2"] {
            let r = try KVLabProcess.run([
                "model", "generate", model, "--prompt", "hi there", "--max-tokens", "12", "--threads", threads,
            ])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == expected + "\n")
        }
    }
}
