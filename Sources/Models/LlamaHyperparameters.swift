/// The shape of a Llama-family model, read from a GGUF file's metadata and checked against its tensors.
public struct LlamaHyperparameters: Sendable, Equatable {
    /// Transformer blocks (`llama.block_count`).
    public var layerCount: Int
    /// Width of the residual stream (`llama.embedding_length`).
    public var embeddingLength: Int
    /// Hidden width of the feed-forward network (`llama.feed_forward_length`).
    public var feedForwardLength: Int
    /// Query heads (`llama.attention.head_count`).
    public var headCount: Int
    /// Key/value heads (`llama.attention.head_count_kv`; equal to `headCount` when absent).
    public var kvHeadCount: Int
    /// Dimensions per head (`llama.attention.key_length`, or `embeddingLength / headCount`).
    public var headDimension: Int
    /// RoPE base frequency θ (`llama.rope.freq_base`, 10000 when absent).
    public var ropeFrequencyBase: Double
    /// RMSNorm epsilon (`llama.attention.layer_norm_rms_epsilon`).
    public var rmsNormEpsilon: Double
    /// The context length the model was trained for (`llama.context_length`).
    public var contextLength: Int
    /// Vocabulary size (the token list's length, or `llama.vocab_size`).
    public var vocabularySize: Int
    /// Whether the output projection reuses the token embedding (no `output.weight` tensor).
    public var tiedOutput: Bool

    /// Reads and checks the hyperparameters of a Llama GGUF file, and the shapes of every tensor the
    /// forward pass uses.
    ///
    /// - Throws: ``GGUFError/unsupportedArchitecture(_:)`` unless `general.architecture` is `llama`;
    ///   ``GGUFError/missingMetadata(_:)`` / ``GGUFError/invalidMetadata(key:reason:)`` for absent or
    ///   impossible values; ``GGUFError/missingTensor(_:)`` / ``GGUFError/tensorShapeMismatch(tensor:expected:found:)``
    ///   for a missing or misshaped tensor.
    public init(_ file: GGUFFile) throws(GGUFError) {
        guard let architecture = file.string("general.architecture") else {
            throw .missingMetadata("general.architecture")
        }
        guard architecture == "llama" else { throw .unsupportedArchitecture(architecture) }

        func positive(_ key: String, default value: Int? = nil) throws(GGUFError) -> Int {
            guard let raw = file.metadata[key] else {
                guard let value else { throw .missingMetadata(key) }
                return value
            }
            guard let v = raw.integerValue, v > 0 else {
                throw .invalidMetadata(key: key, reason: "\(raw.summary) is not a positive integer")
            }
            return v
        }
        func positiveFloat(_ key: String, default value: Double? = nil) throws(GGUFError) -> Double {
            guard let raw = file.metadata[key] else {
                guard let value else { throw .missingMetadata(key) }
                return value
            }
            guard let v = raw.floatValue, v > 0, v.isFinite else {
                throw .invalidMetadata(key: key, reason: "\(raw.summary) is not a positive finite number")
            }
            return v
        }

        layerCount = try positive("llama.block_count")
        embeddingLength = try positive("llama.embedding_length")
        feedForwardLength = try positive("llama.feed_forward_length")
        headCount = try positive("llama.attention.head_count")
        kvHeadCount = try positive("llama.attention.head_count_kv", default: headCount)
        guard headCount % kvHeadCount == 0 else {
            throw .invalidMetadata(
                key: "llama.attention.head_count_kv",
                reason: "\(kvHeadCount) KV heads do not divide \(headCount) query heads")
        }
        if file.metadata["llama.attention.key_length"] != nil {
            headDimension = try positive("llama.attention.key_length")
        } else {
            guard embeddingLength % headCount == 0 else {
                throw .invalidMetadata(
                    key: "llama.attention.head_count",
                    reason: "\(headCount) heads do not divide the embedding length \(embeddingLength); "
                        + "llama.attention.key_length is needed")
            }
            headDimension = embeddingLength / headCount
        }
        if file.metadata["llama.attention.value_length"] != nil {
            let v = try positive("llama.attention.value_length")
            guard v == headDimension else {
                throw .invalidMetadata(
                    key: "llama.attention.value_length",
                    reason: "\(v) differs from the key length \(headDimension); kvlab needs equal key and value heads")
            }
        }
        ropeFrequencyBase = try positiveFloat("llama.rope.freq_base", default: 10000)
        rmsNormEpsilon = try positiveFloat("llama.attention.layer_norm_rms_epsilon")
        contextLength = try positive("llama.context_length")
        if let tokens = file.metadata["tokenizer.ggml.tokens"] {
            guard let list = tokens.arrayValue, !list.isEmpty else {
                throw .invalidMetadata(key: "tokenizer.ggml.tokens", reason: "not a non-empty array of strings")
            }
            vocabularySize = list.count
        } else {
            vocabularySize = try positive("llama.vocab_size")
        }
        tiedOutput = file.tensor(named: "output.weight") == nil
        try checkTensors(file)
    }

    /// The tensors of the model and their expected dimensions (ggml order, innermost first).
    public var expectedTensors: [(name: String, dimensions: [Int])] {
        let d = embeddingLength
        let q = headCount * headDimension
        let kv = kvHeadCount * headDimension
        var out: [(String, [Int])] = [("token_embd.weight", [d, vocabularySize])]
        for l in 0..<layerCount {
            out += [
                ("blk.\(l).attn_norm.weight", [d]), ("blk.\(l).attn_q.weight", [d, q]),
                ("blk.\(l).attn_k.weight", [d, kv]), ("blk.\(l).attn_v.weight", [d, kv]),
                ("blk.\(l).attn_output.weight", [q, d]), ("blk.\(l).ffn_norm.weight", [d]),
                ("blk.\(l).ffn_gate.weight", [d, feedForwardLength]),
                ("blk.\(l).ffn_up.weight", [d, feedForwardLength]),
                ("blk.\(l).ffn_down.weight", [feedForwardLength, d]),
            ]
        }
        out.append(("output_norm.weight", [d]))
        if !tiedOutput { out.append(("output.weight", [d, vocabularySize])) }
        return out
    }

    /// Checks that every expected tensor is present with its shape.
    private func checkTensors(_ file: GGUFFile) throws(GGUFError) {
        for (name, dimensions) in expectedTensors {
            guard let tensor = file.tensor(named: name) else { throw .missingTensor(name) }
            guard tensor.dimensions == dimensions else {
                throw .tensorShapeMismatch(tensor: name, expected: dimensions, found: tensor.dimensions)
            }
        }
    }
}
