import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// Llama hyperparameters and tensor shapes, on the tiny written model.
@Suite struct GGUFLlamaTests {
    static func open(_ writer: GGUFWriter, in dir: TemporaryDirectory) throws -> GGUFFile {
        let url = dir.url.appendingPathComponent("tiny.gguf")
        try writer.write(to: url)
        return try GGUFFile(contentsOf: url)
    }

    /// The writer's model with one metadata entry replaced or removed (nil).
    static func variant(_ key: String, _ value: GGUFValue?) -> GGUFWriter {
        var w = TinyLlama.writer()
        w.metadata.removeAll { $0.key == key }
        if let value { w.set(key, value) }
        return w
    }

    @Test func tinyModel() throws {
        let dir = try TemporaryDirectory()
        let file = try Self.open(TinyLlama.writer(), in: dir)
        let h = try LlamaHyperparameters(file)
        #expect(h.layerCount == 2 && h.embeddingLength == 32 && h.feedForwardLength == 64)
        #expect(h.headCount == 4 && h.kvHeadCount == 2 && h.headDimension == 8)
        #expect(h.ropeFrequencyBase == 10000 && h.rmsNormEpsilon == Double(Float(1e-5)))
        #expect(h.contextLength == 128 && h.vocabularySize == 3 + 256 + TinyLlama.merges.count)
        #expect(h.tiedOutput)
        #expect(file.tensors.count == 1 + 2 * 9 + 1)
        #expect(file.strings("tokenizer.ggml.tokens")?[3 + 65] == "A")
        #expect(file.strings("tokenizer.ggml.tokens")?[3 + 32] == "Ġ")
        #expect(file.strings("tokenizer.ggml.tokens")?.last == "Ġworld")
        #expect(file.integer("tokenizer.ggml.eos_token_id") == 2)
        #expect(file.string("tokenizer.ggml.pre") == "smollm")
    }

    @Test func tinyModelIsDeterministicAndSeeded() {
        #expect(TinyLlama.writer().bytes() == TinyLlama.writer().bytes())
        var other = TinyLlama.Configuration()
        other.seed = 1
        #expect(TinyLlama.writer().bytes() != TinyLlama.writer(other).bytes())
    }

    @Test func quantizedUntiedVariant() throws {
        var c = TinyLlama.Configuration()
        c.matrixType = .q4_1
        c.embeddingType = .q8_0
        c.tiedOutput = false
        c.version = 2
        let dir = try TemporaryDirectory()
        let file = try Self.open(TinyLlama.writer(c), in: dir)
        let h = try LlamaHyperparameters(file)
        #expect(!h.tiedOutput)
        #expect(file.tensor(named: "blk.1.ffn_down.weight")?.type == .q4_1)
        #expect(file.tensor(named: "output.weight")?.type == .q8_0)
        #expect(file.tensor(named: "output_norm.weight")?.type == .f32)
        for t in file.tensors { #expect(try file.dequantize(t).count == t.elementCount) }
    }

    @Test func keyLengthOverridesTheQuotient() throws {
        // 4 heads of 16 dims on d_model 32: the projections are [32, 64] and [64, 32].
        var w = GGUFWriter()
        var c = TinyLlama.Configuration()
        c.layers = 1
        let base = TinyLlama.writer(c)
        w.metadata = base.metadata
        w.set("llama.attention.key_length", .uint32(16))
        for t in base.tensors {
            var dims = t.dimensions
            if t.name.hasSuffix("attn_q.weight") { dims = [32, 64] }
            if t.name.hasSuffix("attn_k.weight") || t.name.hasSuffix("attn_v.weight") { dims = [32, 32] }
            if t.name.hasSuffix("attn_output.weight") { dims = [64, 32] }
            let count = dims.reduce(1, *)
            w.addTensor(t.name, dimensions: dims, values: [Float](repeating: 0.5, count: count))
        }
        let dir = try TemporaryDirectory()
        #expect(try LlamaHyperparameters(try Self.open(w, in: dir)).headDimension == 16)
    }

    @Test func defaultsWhenAbsent() throws {
        let dir = try TemporaryDirectory()
        var w = Self.variant("llama.rope.freq_base", nil)
        w.metadata.removeAll { $0.key == "tokenizer.ggml.tokens" }
        let h = try LlamaHyperparameters(try Self.open(w, in: dir))
        #expect(h.ropeFrequencyBase == 10000)
        #expect(h.vocabularySize == 3 + 256 + TinyLlama.merges.count)  // from llama.vocab_size
    }

    @Test func otherArchitectureIsRefused() throws {
        let dir = try TemporaryDirectory()
        let file = try Self.open(Self.variant("general.architecture", .string("qwen2")), in: dir)
        #expect(throws: GGUFError.unsupportedArchitecture("qwen2")) { try LlamaHyperparameters(file) }
        #expect(
            GGUFError.unsupportedArchitecture("qwen2").description
                == "architecture qwen2 is not supported; kvlab runs Llama-family models (general.architecture = llama)")
    }

    @Test func missingOrBadMetadata() throws {
        let dir = try TemporaryDirectory()
        let cases: [(String, GGUFValue?, GGUFError)] = [
            ("general.architecture", nil, .missingMetadata("general.architecture")),
            ("llama.block_count", nil, .missingMetadata("llama.block_count")),
            (
                "llama.embedding_length", .string("32"),
                .invalidMetadata(
                    key: "llama.embedding_length", reason: "\"32\" is not a positive integer")
            ),
            (
                "llama.attention.head_count_kv", .uint32(3),
                .invalidMetadata(
                    key: "llama.attention.head_count_kv", reason: "3 KV heads do not divide 4 query heads")
            ),
            (
                "llama.attention.layer_norm_rms_epsilon", .float32(-1),
                .invalidMetadata(
                    key: "llama.attention.layer_norm_rms_epsilon", reason: "-1.0 is not a positive finite number")
            ),
            (
                "llama.feed_forward_length", .uint32(0),
                .invalidMetadata(
                    key: "llama.feed_forward_length", reason: "0 is not a positive integer")
            ),
        ]
        for (key, value, error) in cases {
            let file = try Self.open(Self.variant(key, value), in: dir)
            #expect(throws: error) { try LlamaHyperparameters(file) }
        }
    }

    @Test func missingAndMisshapedTensors() throws {
        let dir = try TemporaryDirectory()
        var w = TinyLlama.writer()
        w.tensors.removeAll { $0.name == "blk.1.ffn_up.weight" }
        #expect(throws: GGUFError.missingTensor("blk.1.ffn_up.weight")) {
            try LlamaHyperparameters(try Self.open(w, in: dir))
        }
        w = TinyLlama.writer()
        let i = try #require(w.tensors.firstIndex { $0.name == "blk.0.attn_k.weight" })
        w.tensors[i].dimensions = [16, 32]  // same byte size, wrong shape
        #expect(
            throws: GGUFError.tensorShapeMismatch(tensor: "blk.0.attn_k.weight", expected: [32, 16], found: [16, 32])
        ) {
            try LlamaHyperparameters(try Self.open(w, in: dir))
        }
        // More tokens in the list than embedding rows.
        w = Self.variant("tokenizer.ggml.tokens", .array((0..<400).map { .string("t\($0)") }))
        #expect(
            throws: GGUFError.tensorShapeMismatch(
                tensor: "token_embd.weight", expected: [32, 400], found: [32, 3 + 256 + TinyLlama.merges.count])
        ) { try LlamaHyperparameters(try Self.open(w, in: dir)) }
    }
}
