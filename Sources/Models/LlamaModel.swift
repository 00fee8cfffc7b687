import Quantization
import Statistics

/// A Llama-family decoder (token embedding, RMSNorm, grouped-query attention with RoPE, SwiGLU MLP, final
/// norm, output head) run in Float32 on the CPU.
///
/// RoPE: the weights are in Hugging Face order (``LlamaWeights(gguf:)`` un-permutes the query and key rows
/// of a GGUF file once at load), and the model applies rotate-half RoPE: within a head, dimension i and
/// i + headDim/2 rotate together by the angle position · ropeBase^(−2i/headDim) (computed in `Double`,
/// cos and sin rounded to `Float`). So queries and keys, in the cache and in captures, are in Hugging Face
/// order.
///
/// Numerics: matrix products use ``FloatKernels`` (Float32, fixed four-lane summation order); attention
/// scores, softmax (max-subtracted) and the weighted sum of values are Float32, as is SwiGLU; RMSNorm sums
/// squares in `Double`; log-softmax of the logits is `Double`. exp, log, sin and cos are kvlab's own
/// (`FloatKernels.exp` in Float32 for softmax and SiLU, `Elementary` in `Double` for RoPE angles and
/// log-softmax), so no result depends on the C library's CPU-specific variants. Results are
/// bit-identical for any thread count, and running tokens one at a time through a KV cache gives the
/// same logits as running them together (both compute every value with the same operations in the same
/// order).
public final class LlamaModel: Sendable {
    /// The model's shape.
    public let dimensions: LlamaDimensions
    /// All weights in one array (see ``Layout``).
    let arena: [Float]
    let layout: Layout

    /// Creates a model from its weights (moved into one contiguous array, 4 bytes per parameter).
    ///
    /// Each layer's arrays are released as soon as they are copied, so a caller that hands over its only
    /// copy (`LlamaModel(weights: try LlamaWeights(gguf: file))`) needs the weights' memory about once, not
    /// twice.
    public init(weights: consuming LlamaWeights) {
        var weights = weights
        dimensions = weights.dimensions
        var arena: [Float] = []
        let matrices = weights.layers.reduce(0) { total, layer in
            let norms = layer.attentionNorm.count + layer.ffnNorm.count
            return total + norms + layer.wq.count + layer.wk.count + layer.wv.count + layer.wo.count
                + layer.gate.count + layer.up.count + layer.down.count
        }
        arena.reserveCapacity(
            weights.tokenEmbedding.count + matrices + weights.outputNorm.count + (weights.output?.count ?? 0))
        func append(_ array: inout [Float]) -> Int {
            let offset = arena.count
            arena.append(contentsOf: array)
            array = []
            return offset
        }
        let embedding = append(&weights.tokenEmbedding)
        var layers: [Layout.Layer] = []
        for i in weights.layers.indices {
            layers.append(
                Layout.Layer(
                    attentionNorm: append(&weights.layers[i].attentionNorm), wq: append(&weights.layers[i].wq),
                    wk: append(&weights.layers[i].wk), wv: append(&weights.layers[i].wv),
                    wo: append(&weights.layers[i].wo), ffnNorm: append(&weights.layers[i].ffnNorm),
                    gate: append(&weights.layers[i].gate), up: append(&weights.layers[i].up),
                    down: append(&weights.layers[i].down)))
        }
        let outputNorm = append(&weights.outputNorm)
        var output = embedding
        if weights.output != nil {
            var head = weights.output ?? []
            weights.output = nil
            output = append(&head)
        }
        self.arena = arena
        layout = Layout(embedding: embedding, layers: layers, outputNorm: outputNorm, output: output)
    }

    /// Where each weight starts in ``arena``.
    struct Layout {
        struct Layer {
            let attentionNorm, wq, wk, wv, wo, ffnNorm, gate, up, down: Int
        }
        let embedding: Int
        let layers: [Layer]
        let outputNorm: Int
        /// The output head (the embedding's offset when tied).
        let output: Int
    }

    /// A KV cache for up to `capacity` positions of this model.
    public func makeCache(capacity: Int) -> LlamaKVCache {
        LlamaKVCache(dimensions: dimensions, capacity: max(capacity, 0))
    }

    /// Runs `tokens` at the positions after those already in `cache` and appends their keys and values
    /// to it: a prefill with a causal mask when the cache is empty, a decoding step for one token.
    ///
    /// - Parameters:
    ///   - tokens: token ids, each in 0..<vocab.
    ///   - cache: the KV cache; `nil` runs the tokens from position 0 with a temporary cache.
    ///   - threads: threads for the matrix products and attention (1 = the calling thread only); results
    ///     are bit-identical for any count.
    ///   - hooks: capture and cache-transform callbacks.
    ///   - logits: receives the logits in blocks of consecutive positions, in order: `rows` holds
    ///     `positions.count × vocab` values, row-major. When `nil`, no logits are computed (capture only).
    /// - Throws: ``LlamaError`` for empty input, an unknown token id, a full or mismatched cache or a
    ///   transform that changed shapes; whatever a hook or `logits` throws. The cache's `count` advances
    ///   only when the call succeeds, so after an error the cache holds the positions it held before.
    public func forward(
        tokens: [Int], cache: LlamaKVCache? = nil, threads: Int = 1, hooks: LlamaHooks = LlamaHooks(),
        logits: ((_ positions: Range<Int>, _ rows: UnsafeBufferPointer<Float>) throws -> Void)? = nil
    ) throws {
        guard !tokens.isEmpty else { throw LlamaError.emptyInput }
        for (index, token) in tokens.enumerated() where token < 0 || token >= dimensions.vocab {
            throw LlamaError.tokenOutOfRange(token: token, index: index, vocab: dimensions.vocab)
        }
        let cache = cache ?? makeCache(capacity: tokens.count)
        guard cache.dimensions == dimensions else { throw LlamaError.cacheMismatch }
        let start = cache.count
        guard tokens.count <= cache.capacity - start else {
            throw LlamaError.cacheFull(capacity: cache.capacity, needed: start + tokens.count)
        }
        try arena.withUnsafeBufferPointer { weights in
            try cache.keys.withUnsafeMutableBufferPointer { keys in
                try cache.values.withUnsafeMutableBufferPointer { values in
                    let pass = LlamaPass(
                        model: self, weights: weights.baseAddress!, keys: keys.baseAddress!,
                        values: values.baseAddress!, capacity: cache.capacity, start: start, count: tokens.count,
                        threads: max(threads, 1))
                    defer { pass.deallocate() }
                    try pass.run(tokens: tokens, hooks: hooks, logits: logits)
                }
            }
        }
        cache.count = start + tokens.count
    }

    /// The logits of every position of `tokens`, `tokens.count × vocab` values row-major (4·vocab bytes
    /// per token: for short inputs; ``evaluate(tokens:threads:hooks:)`` reduces them row by row).
    ///
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func logits(
        tokens: [Int], cache: LlamaKVCache? = nil, threads: Int = 1, hooks: LlamaHooks = LlamaHooks()
    ) throws -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(tokens.count * dimensions.vocab)
        try forward(tokens: tokens, cache: cache, threads: threads, hooks: hooks) { _, rows in
            result.append(contentsOf: rows)
        }
        return result
    }

    /// One decoding step: runs `token` at position `cache.count`, appends it to the cache and returns
    /// its logits (`vocab` values).
    ///
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func step(token: Int, cache: LlamaKVCache, threads: Int = 1, hooks: LlamaHooks = LlamaHooks()) throws
        -> [Float]
    {
        try logits(tokens: [token], cache: cache, threads: threads, hooks: hooks)
    }

    /// Greedy generation: runs `prompt`, then repeatedly appends the most likely next token (the first
    /// of equal maxima) until `maxNewTokens` tokens or a token in `stopTokens` (which is included).
    ///
    /// - Returns: the new tokens.
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func generateGreedy(prompt: [Int], maxNewTokens: Int, stopTokens: Set<Int> = [], threads: Int = 1)
        throws -> [Int]
    {
        guard maxNewTokens > 0 else { return [] }
        let cache = makeCache(capacity: prompt.count + maxNewTokens)
        var last: [Float] = []
        let vocab = dimensions.vocab
        try forward(tokens: prompt, cache: cache, threads: threads) { positions, rows in
            if positions.upperBound == prompt.count { last = Array(rows.suffix(vocab)) }
        }
        var generated: [Int] = []
        while true {
            let next = last.withUnsafeBufferPointer { Self.logSoftmaxStatistics($0).argmax }
            generated.append(next)
            if generated.count == maxNewTokens || stopTokens.contains(next) { return generated }
            last = try step(token: next, cache: cache, threads: threads)
        }
    }

    /// The log-sum-exp of a row of logits (in `Double`) and the index of its first maximum.
    static func logSoftmaxStatistics(_ row: UnsafeBufferPointer<Float>) -> (logSumExp: Double, argmax: Int) {
        var argmax = 0
        var maximum = row[0]
        for i in 1..<row.count where row[i] > maximum {
            maximum = row[i]
            argmax = i
        }
        let m = Double(maximum)
        var sum = 0.0
        for value in row { sum += Elementary.exp(Double(value) - m) }
        return (m + Elementary.log(sum), argmax)
    }
}
