import Foundation
import Models

/// A tiny random Llama model as a GGUF file, deterministic from a seed: complete metadata for the
/// tokenizer (GPT-2 byte-level BPE, pre-tokenizer `smollm`, ChatML specials) and the forward pass.
///
/// Vocabulary: `<|endoftext|>` (0), `<|im_start|>` (1, BOS), `<|im_end|>` (2, EOS), the 256 byte tokens
/// in byte order (ids 3…258, spelled with GPT-2's byte-to-character map), then one token per merge of
/// ``merges`` in order (ids 259…).
public enum TinyLlama {
    /// The model's shape and tensor types.
    public struct Configuration: Sendable {
        public var layers = 2
        public var embeddingLength = 32
        public var headCount = 4
        public var kvHeadCount = 2
        public var feedForwardLength = 64
        public var contextLength = 128
        public var ropeFrequencyBase: Float = 10000
        public var rmsNormEpsilon: Float = 1e-5
        /// The type of the attention and feed-forward matrices.
        public var matrixType: GGUFTensorType = .f32
        /// The type of the token embedding (and of `output.weight` when untied).
        public var embeddingType: GGUFTensorType = .f32
        /// Whether the output projection reuses the token embedding (no `output.weight`).
        public var tiedOutput = true
        /// The seed of every weight.
        public var seed: UInt64 = 0
        /// The GGUF version written.
        public var version: UInt32 = 3

        /// Dimensions per head.
        public var headDimension: Int { embeddingLength / headCount }

        /// The default: 2 layers, d_model 32, 4 query heads, 2 KV heads, head dim 8, ff 64, F32, tied.
        public init() {}
    }

    /// The special tokens, ids 0, 1, 2.
    public static let specialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

    /// The BPE merges in rank order (each pair's parts are earlier tokens).
    public static let merges = [
        "Ġ t", "Ġ a", "i n", "h e", "r e", "o n", "e r", "Ġt he", "a t", "Ġ s", "Ġ o", "e n", "Ġ c", "i s", "o r",
        "i t", "a n", "Ġ w", "Ġ b", "e s", "Ġ f", "Ġ p", "in g", "Ġa n", "Ġan d", "l l", "Ġ h", "Ġ m", "Ġ d", "o u",
        "Ġo f", "Ġ i", "Ġi s", "Ġ l", "l o", "Ġh e", "Ġhe l", "Ġhel lo", "Ġw or", "l d", "Ġwor ld",
    ]

    /// GPT-2's byte-to-character map: printable bytes stand for themselves, the others for U+0100 onwards.
    public static let byteCharacters: [Character] = {
        var out = [Character](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                out[b] = Character(Unicode.Scalar(UInt32(b))!)
            } else {
                out[b] = Character(Unicode.Scalar(next)!)
                next += 1
            }
        }
        return out
    }()

    /// Every token in id order and its type (3 = control for the specials, 1 = normal).
    public static let vocabulary: (tokens: [String], types: [Int32]) = {
        var tokens = specialTokens
        tokens += byteCharacters.map { String($0) }
        tokens += merges.map { $0.replacingOccurrences(of: " ", with: "") }
        let types = tokens.indices.map { Int32($0 < specialTokens.count ? 3 : 1) }
        return (tokens, types)
    }()

    /// A minimal ChatML template.
    public static let chatTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
        + "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

    /// The writer of a model (add or change entries before writing to make variants).
    public static func writer(_ c: Configuration = Configuration()) -> GGUFWriter {
        var w = GGUFWriter(version: c.version)
        let (tokens, types) = vocabulary
        let u32 = { (v: Int) in GGUFValue.uint32(UInt32(v)) }
        w.set("general.architecture", .string("llama"))
        w.set("general.name", .string("kvlab tiny llama (seed \(c.seed))"))
        w.set("llama.block_count", u32(c.layers))
        w.set("llama.context_length", u32(c.contextLength))
        w.set("llama.embedding_length", u32(c.embeddingLength))
        w.set("llama.feed_forward_length", u32(c.feedForwardLength))
        w.set("llama.attention.head_count", u32(c.headCount))
        w.set("llama.attention.head_count_kv", u32(c.kvHeadCount))
        w.set("llama.rope.freq_base", .float32(c.ropeFrequencyBase))
        w.set("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon))
        w.set("llama.vocab_size", u32(tokens.count))
        w.set("llama.rope.dimension_count", u32(c.headDimension))
        w.set("tokenizer.ggml.add_space_prefix", .bool(false))
        w.set("tokenizer.ggml.add_bos_token", .bool(false))
        w.set("tokenizer.ggml.model", .string("gpt2"))
        w.set("tokenizer.ggml.pre", .string("smollm"))
        w.set("tokenizer.ggml.tokens", .array(tokens.map(GGUFValue.string)))
        w.set("tokenizer.ggml.token_type", .array(types.map(GGUFValue.int32)))
        w.set("tokenizer.ggml.merges", .array(merges.map(GGUFValue.string)))
        w.set("tokenizer.ggml.bos_token_id", u32(1))
        w.set("tokenizer.ggml.eos_token_id", u32(2))
        w.set("tokenizer.ggml.unknown_token_id", u32(0))
        w.set("tokenizer.ggml.padding_token_id", u32(2))
        w.set("tokenizer.chat_template", .string(chatTemplate))

        var random = SplitMix(seed: c.seed)
        let d = c.embeddingLength
        let q = c.headCount * c.headDimension
        let kv = c.kvHeadCount * c.headDimension
        let ff = c.feedForwardLength
        func matrix(_ name: String, _ inner: Int, _ outer: Int, _ type: GGUFTensorType) {
            let scale = 1 / Float(inner).squareRoot()
            w.addTensor(
                name, dimensions: [inner, outer], type: type,
                values: (0..<inner * outer).map { _ in random.uniform() * scale })
        }
        func norm(_ name: String) {
            w.addTensor(name, dimensions: [d], values: (0..<d).map { _ in 1 + 0.1 * random.uniform() })
        }
        matrix("token_embd.weight", d, tokens.count, c.embeddingType)
        for l in 0..<c.layers {
            norm("blk.\(l).attn_norm.weight")
            matrix("blk.\(l).attn_q.weight", d, q, c.matrixType)
            matrix("blk.\(l).attn_k.weight", d, kv, c.matrixType)
            matrix("blk.\(l).attn_v.weight", d, kv, c.matrixType)
            matrix("blk.\(l).attn_output.weight", q, d, c.matrixType)
            norm("blk.\(l).ffn_norm.weight")
            matrix("blk.\(l).ffn_gate.weight", d, ff, c.matrixType)
            matrix("blk.\(l).ffn_up.weight", d, ff, c.matrixType)
            matrix("blk.\(l).ffn_down.weight", ff, d, c.matrixType)
        }
        norm("output_norm.weight")
        if !c.tiedOutput { matrix("output.weight", d, tokens.count, c.embeddingType) }
        return w
    }

    /// Writes a model file.
    public static func write(to url: URL, _ c: Configuration = Configuration()) throws {
        try writer(c).write(to: url)
    }

    /// SplitMix64: a small deterministic generator.
    private struct SplitMix {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }

        /// Uniform in [−1, 1), a multiple of 2^−23.
        mutating func uniform() -> Float {
            Float(Int64(next() >> 40) - (1 << 23)) * 0x1p-23
        }
    }
}
