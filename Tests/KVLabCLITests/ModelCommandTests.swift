import Foundation
import KVLabTestSupport
import Testing

/// `kvlab model info` end to end on a tiny written model, and exit 2 on files it cannot use.
@Suite("kvlab model info end to end")
struct ModelCommandTests {
    @Test("prints the shape of a tiny Llama model as a table and as JSON")
    func info() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("tiny.gguf")
        var c = TinyLlama.Configuration()
        c.matrixType = .q4_1
        c.embeddingType = .q8_0
        try TinyLlama.write(to: URL(fileURLWithPath: path), c)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)

        let table = try KVLabProcess.run(["model", "info", path])
        #expect(table.status == 0, "\(table.stderr)")
        let vocab = 3 + 256 + TinyLlama.merges.count
        // Parameters: embedding 32·vocab, per layer 2 norms of 32, q and o 32·32 each, k and v 32·16 each,
        // gate, up and down 32·64 each; the output norm 32.
        let parameters = 32 * vocab + 2 * (2 * 32 + 2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 64) + 32
        let expected = [
            "file\t\(path)", "gguf_version\t3", "architecture\tllama", "name\tkvlab tiny llama (seed 0)", "layers\t2",
            "d_model\t32", "heads\t4", "kv_heads\t2", "head_dim\t8", "ff\t64", "vocab\t\(vocab)", "rope_base\t10000.0",
            "rms_eps\t1e-05", "context_length\t128", "tied_output\ttrue", "tensors\t20",
            "tensor_types\tQ4_1 14, F32 5, Q8_0 1", "parameters\t\(parameters)", "file_size\t\(size)",
        ]
        #expect(table.stdout == expected.joined(separator: "\n") + "\n")

        let json = try KVLabProcess.run(["model", "info", path, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["layers"] as? Int == 2)
        #expect(object["vocab"] as? Int == vocab)
        #expect(object["tied_output"] as? Bool == true)
        #expect(object["tensor_types"] as? [String: Int] == ["Q4_1": 14, "F32": 5, "Q8_0": 1])
    }

    @Test("a file that is not GGUF, a truncated model and another architecture exit 2 with the reason")
    func badFiles() throws {
        let dir = try TemporaryDirectory()
        let text = dir.path("notes.gguf")
        try "hello, this is not a model\n".write(toFile: text, atomically: true, encoding: .utf8)
        let r = try KVLabProcess.run(["model", "info", text])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("kvlab: error: \(text): not a GGUF file"), "\(r.stderr)")
        #expect(r.stderr.contains("pass a .gguf model file"))

        let full = TinyLlama.writer().bytes()
        let truncated = dir.path("truncated.gguf")
        try Data(full.prefix(full.count - 100)).write(to: URL(fileURLWithPath: truncated))
        let t = try KVLabProcess.run(["model", "info", truncated])
        #expect(t.status == 2)
        #expect(t.stderr.contains("output_norm.weight"), "\(t.stderr)")
        #expect(t.stderr.contains("fetch the file again"))

        var other = TinyLlama.writer()
        other.metadata.removeAll { $0.key == "general.architecture" }
        other.set("general.architecture", .string("gemma"))
        let gemma = dir.path("gemma.gguf")
        try other.write(to: URL(fileURLWithPath: gemma))
        let g = try KVLabProcess.run(["model", "info", gemma])
        #expect(g.status == 2)
        #expect(g.stderr.contains("architecture gemma is not supported; kvlab runs Llama-family models"))

        let missing = try KVLabProcess.run(["model", "info", dir.path("absent.gguf")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot open the model file"))
    }
}
