extension LlamaDimensions {
    /// The dimensions of a Llama GGUF file's hyperparameters.
    public init(_ hyperparameters: LlamaHyperparameters) {
        self.init(
            layers: hyperparameters.layerCount, dModel: hyperparameters.embeddingLength,
            heads: hyperparameters.headCount, kvHeads: hyperparameters.kvHeadCount,
            headDim: hyperparameters.headDimension, ffDim: hyperparameters.feedForwardLength,
            vocab: hyperparameters.vocabularySize, ropeBase: hyperparameters.ropeFrequencyBase,
            rmsEpsilon: Float(hyperparameters.rmsNormEpsilon))
    }
}

extension LlamaWeights {
    /// Reads and dequantizes every weight of a Llama GGUF file (Float32 in memory: 4 bytes per parameter),
    /// un-permuting the query and key rows to Hugging Face order
    /// (``unpermuteRoPERows(_:heads:headDim:columns:)``); without `output.weight` the output head is tied
    /// to the token embedding.
    ///
    /// - Throws: the ``GGUFError`` of ``LlamaHyperparameters/init(_:)`` (architecture, metadata, a missing
    ///   or misshaped tensor) or of dequantization (an unsupported tensor type); ``LlamaError`` for
    ///   dimensions the forward pass cannot run.
    public init(gguf file: GGUFFile) throws {
        let hyperparameters = try LlamaHyperparameters(file)
        let dims = LlamaDimensions(hyperparameters)
        try dims.validate()
        func load(_ name: String) throws -> [Float] {
            guard let tensor = file.tensor(named: name) else { throw GGUFError.missingTensor(name) }
            return try file.dequantize(tensor)
        }
        let layers = try (0..<dims.layers).map { l in
            let p = "blk.\(l)."
            return LlamaLayerWeights(
                attentionNorm: try load(p + "attn_norm.weight"),
                wq: Self.unpermuteRoPERows(
                    try load(p + "attn_q.weight"), heads: dims.heads, headDim: dims.headDim, columns: dims.dModel),
                wk: Self.unpermuteRoPERows(
                    try load(p + "attn_k.weight"), heads: dims.kvHeads, headDim: dims.headDim, columns: dims.dModel),
                wv: try load(p + "attn_v.weight"), wo: try load(p + "attn_output.weight"),
                ffnNorm: try load(p + "ffn_norm.weight"), gate: try load(p + "ffn_gate.weight"),
                up: try load(p + "ffn_up.weight"), down: try load(p + "ffn_down.weight"))
        }
        try self.init(
            dimensions: dims, tokenEmbedding: try load("token_embd.weight"), layers: layers,
            outputNorm: try load("output_norm.weight"),
            output: hyperparameters.tiedOutput ? nil : try load("output.weight"))
    }
}

extension LlamaModel {
    /// Loads a Llama GGUF file's weights (see ``LlamaWeights/init(gguf:)``).
    ///
    /// - Throws: as ``LlamaWeights/init(gguf:)``.
    public convenience init(gguf file: GGUFFile) throws {
        self.init(weights: try LlamaWeights(gguf: file))
    }
}
