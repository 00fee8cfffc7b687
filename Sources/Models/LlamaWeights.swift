/// The shape of a Llama-family decoder: what the forward pass needs besides the weights.
public struct LlamaDimensions: Sendable, Equatable {
    /// Number of decoder layers.
    public var layers: Int
    /// Width of the residual stream (hidden size).
    public var dModel: Int
    /// Number of query heads.
    public var heads: Int
    /// Number of key/value heads (grouped-query attention: query head j reads KV head j / (heads / kvHeads)).
    public var kvHeads: Int
    /// Dimension of one attention head (even: RoPE rotates pairs).
    public var headDim: Int
    /// Width of the SwiGLU MLP.
    public var ffDim: Int
    /// Vocabulary size (rows of the token embedding and of the output head).
    public var vocab: Int
    /// RoPE base θ: pair i of a head rotates by position · θ^(−2i/headDim).
    public var ropeBase: Double
    /// The ε of every RMSNorm.
    public var rmsEpsilon: Float

    /// Creates dimensions; ``validate()`` checks them.
    public init(
        layers: Int, dModel: Int, heads: Int, kvHeads: Int, headDim: Int, ffDim: Int, vocab: Int, ropeBase: Double,
        rmsEpsilon: Float
    ) {
        self.layers = layers
        self.dModel = dModel
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ffDim = ffDim
        self.vocab = vocab
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
    }

    /// Throws ``LlamaError/invalidDimensions(_:)`` unless every count is positive and at most 2²⁴ (so
    /// that every weight size fits comfortably in an `Int`), `heads` is a multiple of `kvHeads`,
    /// `headDim` is even, the RoPE base is finite and > 1 and ε is finite and ≥ 0.
    public func validate() throws {
        let counts = [
            ("layers", layers), ("dModel", dModel), ("heads", heads), ("kvHeads", kvHeads), ("headDim", headDim),
            ("ffDim", ffDim), ("vocab", vocab),
        ]
        for (name, value) in counts where value < 1 || value > 1 << 24 {
            throw LlamaError.invalidDimensions("\(name) is \(value); it must be between 1 and \(1 << 24)")
        }
        guard heads % kvHeads == 0 else {
            throw LlamaError.invalidDimensions("heads (\(heads)) is not a multiple of kvHeads (\(kvHeads))")
        }
        guard headDim % 2 == 0 else {
            throw LlamaError.invalidDimensions("headDim (\(headDim)) is odd; RoPE rotates pairs of dimensions")
        }
        guard ropeBase.isFinite, ropeBase > 1 else {
            throw LlamaError.invalidDimensions("the RoPE base (\(ropeBase)) must be finite and greater than 1")
        }
        guard rmsEpsilon.isFinite, rmsEpsilon >= 0 else {
            throw LlamaError.invalidDimensions("the RMSNorm epsilon (\(rmsEpsilon)) must be finite and ≥ 0")
        }
    }
}

/// The weights of one decoder layer, Float32, row-major; a matrix with `rows × columns` maps a vector
/// of `columns` values to `rows` values (a linear layer's `out × in` weight).
///
/// The query and key rows are in Hugging Face order (within a head, dimension i pairs with
/// i + headDim/2 under RoPE); see ``LlamaWeights/unpermuteRoPERows(_:heads:headDim:columns:)`` for the
/// rows of a GGUF file.
public struct LlamaLayerWeights: Sendable {
    /// RMSNorm weight before attention, `dModel` values.
    public var attentionNorm: [Float]
    /// Query projection, `heads·headDim × dModel`.
    public var wq: [Float]
    /// Key projection, `kvHeads·headDim × dModel`.
    public var wk: [Float]
    /// Value projection, `kvHeads·headDim × dModel`.
    public var wv: [Float]
    /// Attention output projection, `dModel × heads·headDim`.
    public var wo: [Float]
    /// RMSNorm weight before the MLP, `dModel` values.
    public var ffnNorm: [Float]
    /// MLP gate projection, `ffDim × dModel`.
    public var gate: [Float]
    /// MLP up projection, `ffDim × dModel`.
    public var up: [Float]
    /// MLP down projection, `dModel × ffDim`.
    public var down: [Float]

    /// Creates a layer's weights (sizes are checked by ``LlamaWeights/init(dimensions:tokenEmbedding:layers:outputNorm:output:)``).
    public init(
        attentionNorm: [Float], wq: [Float], wk: [Float], wv: [Float], wo: [Float], ffnNorm: [Float], gate: [Float],
        up: [Float], down: [Float]
    ) {
        self.attentionNorm = attentionNorm
        self.wq = wq
        self.wk = wk
        self.wv = wv
        self.wo = wo
        self.ffnNorm = ffnNorm
        self.gate = gate
        self.up = up
        self.down = down
    }
}

/// All the weights of a Llama-family model, Float32, with query/key rows in Hugging Face order.
public struct LlamaWeights: Sendable {
    /// The model's shape.
    public let dimensions: LlamaDimensions
    /// Token embedding, `vocab × dModel`.
    public internal(set) var tokenEmbedding: [Float]
    /// The decoder layers, `dimensions.layers` of them.
    public internal(set) var layers: [LlamaLayerWeights]
    /// Final RMSNorm weight, `dModel` values.
    public internal(set) var outputNorm: [Float]
    /// Output head, `vocab × dModel`; `nil` when it is tied to the token embedding.
    public internal(set) var output: [Float]?

    /// Creates the weights after checking the dimensions and every array's size.
    ///
    /// - Throws: ``LlamaError/invalidDimensions(_:)`` or ``LlamaError/weightShape(name:expected:actual:)``.
    public init(
        dimensions: LlamaDimensions, tokenEmbedding: [Float], layers: [LlamaLayerWeights], outputNorm: [Float],
        output: [Float]?
    ) throws {
        try dimensions.validate()
        let d = dimensions
        let q = d.heads * d.headDim
        let kv = d.kvHeads * d.headDim
        func check(_ name: String, _ array: [Float], _ count: Int) throws {
            guard array.count == count else {
                throw LlamaError.weightShape(name: name, expected: count, actual: array.count)
            }
        }
        try check("token embedding", tokenEmbedding, d.vocab * d.dModel)
        guard layers.count == d.layers else {
            throw LlamaError.invalidDimensions("\(layers.count) layers of weights for a \(d.layers)-layer model")
        }
        for (i, layer) in layers.enumerated() {
            try check("layer \(i) attention norm", layer.attentionNorm, d.dModel)
            try check("layer \(i) wq", layer.wq, q * d.dModel)
            try check("layer \(i) wk", layer.wk, kv * d.dModel)
            try check("layer \(i) wv", layer.wv, kv * d.dModel)
            try check("layer \(i) wo", layer.wo, d.dModel * q)
            try check("layer \(i) ffn norm", layer.ffnNorm, d.dModel)
            try check("layer \(i) gate", layer.gate, d.ffDim * d.dModel)
            try check("layer \(i) up", layer.up, d.ffDim * d.dModel)
            try check("layer \(i) down", layer.down, d.dModel * d.ffDim)
        }
        try check("output norm", outputNorm, d.dModel)
        if let output { try check("output", output, d.vocab * d.dModel) }
        self.dimensions = dimensions
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.output = output
    }

    /// Reorders the rows of a query or key projection from GGUF order to Hugging Face order.
    ///
    /// llama.cpp's converter permutes these rows so that its interleaved RoPE, which rotates the pairs
    /// (2i, 2i+1) of a head, computes what Hugging Face's rotate-half RoPE computes on the pairs
    /// (i, i + headDim/2): GGUF row 2i of a head is Hugging Face row i and GGUF row 2i+1 is row
    /// i + headDim/2. This function undoes that, so the model can run rotate-half RoPE and everything it
    /// computes (queries, keys, captures) is in Hugging Face order.
    ///
    /// - Parameters:
    ///   - rows: `heads·headDim` rows of `columns` values, GGUF order.
    ///   - heads: the number of heads these rows belong to (query or KV heads).
    /// - Returns: the same rows, Hugging Face order.
    /// - Precondition: `rows.count == heads·headDim·columns`, `headDim` even.
    public static func unpermuteRoPERows(_ rows: [Float], heads: Int, headDim: Int, columns: Int) -> [Float] {
        precondition(rows.count == heads * headDim * columns && headDim % 2 == 0, "unpermuteRoPERows: sizes")
        var result = [Float](repeating: 0, count: rows.count)
        let half = headDim / 2
        for h in 0..<heads {
            for r in 0..<headDim {
                let source = h * headDim + (r < half ? 2 * r : 2 * (r - half) + 1)
                let target = h * headDim + r
                for c in 0..<columns { result[target * columns + c] = rows[source * columns + c] }
            }
        }
        return result
    }
}

/// What went wrong building or running a Llama model.
public enum LlamaError: Error, Equatable, CustomStringConvertible {
    /// The hyperparameters are unusable (the message says which and why).
    case invalidDimensions(String)
    /// A weight array has the wrong number of values.
    case weightShape(name: String, expected: Int, actual: Int)
    /// A token id is not in 0..<vocab.
    case tokenOutOfRange(token: Int, index: Int, vocab: Int)
    /// The input has no tokens.
    case emptyInput
    /// The KV cache cannot hold the new tokens.
    case cacheFull(capacity: Int, needed: Int)
    /// The KV cache was made for a model of other dimensions.
    case cacheMismatch
    /// A cache transform changed the number of heads or the size of a head's keys or values.
    case transformChangedShape(layer: Int)

    /// A message saying what is wrong, where, and how to fix it.
    public var description: String {
        switch self {
        case .invalidDimensions(let message): "invalid Llama dimensions: \(message)"
        case .weightShape(let name, let expected, let actual):
            "Llama weight '\(name)' has \(actual) values; the model's dimensions need \(expected)"
        case .tokenOutOfRange(let token, let index, let vocab):
            "token id \(token) at index \(index) is outside the vocabulary (0..<\(vocab)); tokenize with this model's tokenizer"
        case .emptyInput: "no tokens to run; give at least one token id"
        case .cacheFull(let capacity, let needed):
            "the KV cache holds \(capacity) positions but \(needed) are needed; make a larger cache"
        case .cacheMismatch:
            "the KV cache was made for a model of other dimensions; make it with this model's makeCache"
        case .transformChangedShape(let layer):
            "the cache transform of layer \(layer) changed the shape of the keys or values; it must keep every head's size"
        }
    }
}
