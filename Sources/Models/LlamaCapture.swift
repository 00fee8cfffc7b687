/// A model's attention tensors on a token sequence, as a dataset stores them: per layer, K (after RoPE) and V
/// of every KV head and Q (after RoPE) of every query head, each T × headDim row-major, in Hugging Face's
/// rotate-half coordinate order; with the model's evaluation of the sequence.
public struct LlamaCapture: Sendable {
    /// The model's dimensions.
    public let dimensions: LlamaDimensions
    /// The token ids (T).
    public let tokens: [Int]
    /// `keys[layer][kvHead]`: T × headDim values.
    public let keys: [[[Float]]]
    /// `values[layer][kvHead]`: T × headDim values.
    public let values: [[[Float]]]
    /// `queries[layer][queryHead]`: T × headDim values.
    public let queries: [[[Float]]]
    /// The next-token NLL and argmax of every position (perplexity, top-1 accuracy).
    public let evaluation: LlamaEvaluation
}

extension LlamaModel {
    /// Runs `tokens` once and keeps every layer's queries, keys and values (see ``LlamaCapture``).
    ///
    /// - Parameters:
    ///   - tokens: the token ids (at least one).
    ///   - threads: worker threads (the numbers do not depend on it).
    ///   - progress: called after each layer with the number of layers done.
    /// - Throws: as ``forward(tokens:cache:threads:hooks:logits:)``.
    public func capture(tokens: [Int], threads: Int = 1, progress: (Int) -> Void = { _ in }) throws -> LlamaCapture {
        let dims = dimensions
        let n = tokens.count
        let size = n * dims.headDim
        var keys = [[[Float]]](
            repeating: [[Float]](repeating: [Float](repeating: 0, count: size), count: dims.kvHeads),
            count: dims.layers)
        var values = keys
        var queries = [[[Float]]](
            repeating: [[Float]](repeating: [Float](repeating: 0, count: size), count: dims.heads),
            count: dims.layers)
        var done = 0
        let evaluation = try withoutActuallyEscaping(progress) { progress in
            try evaluate(
                tokens: tokens, threads: threads,
                hooks: LlamaHooks(observe: { block in
                    let rows = (block.positions.lowerBound * dims.headDim)..<(block.positions.upperBound * dims.headDim)
                    for h in 0..<dims.kvHeads {
                        keys[block.layer][h].replaceSubrange(rows, with: block.keys[h])
                        values[block.layer][h].replaceSubrange(rows, with: block.values[h])
                    }
                    for h in 0..<dims.heads { queries[block.layer][h].replaceSubrange(rows, with: block.queries[h]) }
                    if block.positions.upperBound == n {
                        done += 1
                        progress(done)
                    }
                }))
        }
        return LlamaCapture(
            dimensions: dims, tokens: tokens, keys: keys, values: values, queries: queries, evaluation: evaluation)
    }
}
