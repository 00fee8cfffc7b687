import Foundation
import KVLabTestSupport
import Models
import Testing

/// ``LlamaWeights/init(gguf:)`` on tiny GGUF files: the model run on the loaded (un-permuted) weights
/// against the reference run the way llama.cpp runs the file (interleaved RoPE on the rows as stored).
@Suite("Llama GGUF loader")
struct LlamaGGUFLoaderTests {
    /// The file's tensors as stored (GGUF row order), dequantized.
    static func rawWeights(_ file: GGUFFile) throws -> LlamaWeights {
        let dims = LlamaDimensions(try LlamaHyperparameters(file))
        func load(_ name: String) throws -> [Float] { try file.dequantize(try #require(file.tensor(named: name))) }
        let layers = try (0..<dims.layers).map { l in
            let p = "blk.\(l)."
            return LlamaLayerWeights(
                attentionNorm: try load(p + "attn_norm.weight"), wq: try load(p + "attn_q.weight"),
                wk: try load(p + "attn_k.weight"), wv: try load(p + "attn_v.weight"),
                wo: try load(p + "attn_output.weight"), ffnNorm: try load(p + "ffn_norm.weight"),
                gate: try load(p + "ffn_gate.weight"), up: try load(p + "ffn_up.weight"),
                down: try load(p + "ffn_down.weight"))
        }
        let output = file.tensor(named: "output.weight") == nil ? nil : try load("output.weight")
        return try LlamaWeights(
            dimensions: dims, tokenEmbedding: try load("token_embd.weight"), layers: layers,
            outputNorm: try load("output_norm.weight"), output: output)
    }

    @Test("loaded model = llama.cpp-style reference on the stored rows (tied and untied head, F32 and Q8_0)")
    func loadedMatchesInterleavedReference() throws {
        let directory = try TemporaryDirectory()
        for (tied, type) in [(true, GGUFTensorType.f32), (false, .q8_0)] {
            var configuration = TinyLlama.Configuration()
            configuration.tiedOutput = tied
            configuration.matrixType = type
            configuration.embeddingType = type
            configuration.seed = tied ? 3 : 4
            let url = directory.url.appendingPathComponent("tiny-\(tied).gguf")
            try TinyLlama.write(to: url, configuration)
            let file = try GGUFFile(contentsOf: url)
            let weights = try LlamaWeights(gguf: file)
            #expect((weights.output == nil) == tied)
            #expect(weights.dimensions.headDim == configuration.headDimension)
            let raw = try Self.rawWeights(file)
            let tokens = (0..<20).map { ($0 * 37 + 5) % weights.dimensions.vocab }
            let reference = LlamaReference(weights: raw, rope: .interleaved).run(tokens).logits
            let logits = try LlamaModel(gguf: file).logits(tokens: tokens)
            #expect(LlamaForwardTests.maxDifference(logits, reference) < LlamaForwardTests.tolerance, "tied = \(tied)")
            // The Q/K rows were reordered (so running the stored rows with rotate-half RoPE would differ).
            #expect(weights.layers[0].wq != raw.layers[0].wq && weights.layers[0].wk != raw.layers[0].wk)
            #expect(weights.layers[0].wv == raw.layers[0].wv)
        }
    }

    @Test("a file that is not a Llama model is a typed error")
    func notLlama() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("other.gguf")
        var writer = TinyLlama.writer()
        writer.metadata.removeAll { $0.key == "general.architecture" }
        writer.set("general.architecture", .string("gpt2"))
        try writer.write(to: url)
        #expect(throws: GGUFError.unsupportedArchitecture("gpt2")) {
            _ = try LlamaModel(gguf: try GGUFFile(contentsOf: url))
        }
    }
}
