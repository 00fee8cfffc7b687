import Foundation
import Models
import Testing

/// The forward pass on tiny random models against ``LlamaReference`` and against itself (threads,
/// incremental decoding, hooks).
@Suite("Llama forward pass")
struct LlamaForwardTests {
    /// Float32 against the Double reference: logits are O(1) sums of a few hundred rounded terms per
    /// layer (relative rounding 6e-8 each); the largest error measured on these models is 7e-6, so 1e-4
    /// leaves a margin of 14 while a wrong RoPE pairing, head mapping or mask moves logits by 1e-2 or more
    /// (the un-permute test checks that such a mistake exceeds 100 × the tolerance).
    static let tolerance = 1e-4

    static func maxDifference(_ model: [Float], _ reference: [[Double]]) -> Double {
        let vocab = reference.first?.count ?? 0
        var worst = 0.0
        for (t, row) in reference.enumerated() {
            for (i, value) in row.enumerated() { worst = max(worst, abs(Double(model[t * vocab + i]) - value)) }
        }
        return worst
    }

    @Test("logits equal the reference loop (70 tokens: two query blocks, two token blocks; untied and tied head)")
    func matchesReference() throws {
        for tied in [false, true] {
            let weights = RandomLlama.weights(tied: tied)
            let tokens = RandomLlama.tokens(70)
            let logits = try LlamaModel(weights: weights).logits(tokens: tokens)
            let reference = LlamaReference(weights: weights, rope: .rotateHalf).run(tokens).logits
            #expect(logits.count == 70 * RandomLlama.dimensions.vocab)
            #expect(Self.maxDifference(logits, reference) < Self.tolerance, "tied = \(tied)")
        }
    }

    @Test("un-permuted GGUF rows with rotate-half RoPE = GGUF rows with llama.cpp's interleaved RoPE")
    func unpermuteEquivalence() throws {
        let dims = RandomLlama.dimensions
        // Random rows taken as GGUF order; the reference runs them with interleaved RoPE.
        let gguf = RandomLlama.weights(seed: 3)
        let layers = gguf.layers.map { layer in
            var hf = layer
            hf.wq = LlamaWeights.unpermuteRoPERows(
                layer.wq, heads: dims.heads, headDim: dims.headDim, columns: dims.dModel)
            hf.wk = LlamaWeights.unpermuteRoPERows(
                layer.wk, heads: dims.kvHeads, headDim: dims.headDim, columns: dims.dModel)
            return hf
        }
        let hf = try LlamaWeights(
            dimensions: dims, tokenEmbedding: gguf.tokenEmbedding, layers: layers, outputNorm: gguf.outputNorm,
            output: gguf.output)
        let tokens = RandomLlama.tokens(20, seed: 9)
        let interleaved = LlamaReference(weights: gguf, rope: .interleaved).run(tokens).logits
        let logits = try LlamaModel(weights: hf).logits(tokens: tokens)
        #expect(Self.maxDifference(logits, interleaved) < Self.tolerance)
        // The permutation matters: without un-permuting, rotate-half RoPE gives other logits.
        let wrong = try LlamaModel(weights: gguf).logits(tokens: tokens)
        #expect(Self.maxDifference(wrong, interleaved) > 100 * Self.tolerance)
    }

    @Test("unpermuteRoPERows: GGUF row 2i → row i, row 2i+1 → row i + headDim/2, per head")
    func unpermuteRows() {
        // Two heads of headDim 4, one column: GGUF rows [a0 b0 a1 b1 | c0 d0 c1 d1].
        let rows: [Float] = [0, 1, 2, 3, 10, 11, 12, 13]
        #expect(LlamaWeights.unpermuteRoPERows(rows, heads: 2, headDim: 4, columns: 1) == [0, 2, 1, 3, 10, 12, 11, 13])
        let twoColumns: [Float] = [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]
        #expect(
            LlamaWeights.unpermuteRoPERows(twoColumns, heads: 1, headDim: 4, columns: 2) == [
                0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5,
            ])
    }

    @Test("1 and 2 threads give bit-identical logits")
    func threadsBitIdentical() throws {
        let model = LlamaModel(weights: RandomLlama.weights())
        let tokens = RandomLlama.tokens(70)
        let one = try model.logits(tokens: tokens, threads: 1)
        let two = try model.logits(tokens: tokens, threads: 2)
        #expect(one.map(\.bitPattern) == two.map(\.bitPattern))
    }

    @Test("prefill logits = token-by-token decoding through the KV cache, bit for bit")
    func prefillEqualsDecode() throws {
        let model = LlamaModel(weights: RandomLlama.weights())
        let tokens = RandomLlama.tokens(70)
        let prefill = try model.logits(tokens: tokens)
        let cache = model.makeCache(capacity: 70)
        var stepped: [Float] = []
        // A prefix of 5 tokens at once, then one at a time.
        stepped += try model.logits(tokens: Array(tokens[0..<5]), cache: cache)
        for token in tokens[5...] { stepped += try model.step(token: token, cache: cache, threads: 2) }
        #expect(cache.count == 70)
        #expect(stepped.map(\.bitPattern) == prefill.map(\.bitPattern))
    }

    @Test("capture: [T×d] per head, post-RoPE in HF order; K and Q at position 0 are the unrotated projections")
    func capture() throws {
        let weights = RandomLlama.weights()
        let dims = weights.dimensions
        let tokens = RandomLlama.tokens(9)
        var captured: [LlamaLayerActivations] = []
        let hooks = LlamaHooks(observe: { captured.append($0) })
        try LlamaModel(weights: weights).forward(tokens: tokens, hooks: hooks)
        #expect(captured.map(\.layer) == [0, 1])
        let reference = LlamaReference(weights: weights, rope: .rotateHalf)
        let expected = reference.run(tokens).layers
        for (l, layer) in captured.enumerated() {
            #expect(layer.positions == 0..<9)
            #expect(layer.queries.count == dims.heads && layer.keys.count == dims.kvHeads)
            #expect(layer.values.count == dims.kvHeads)
            for rows in layer.queries + layer.keys + layer.values { #expect(rows.count == 9 * dims.headDim) }
            func worst(_ got: [[Float]], _ want: [[[Double]]]) -> Double {
                var w = 0.0
                for (h, rows) in got.enumerated() {
                    for (i, v) in rows.enumerated() {
                        w = max(w, abs(Double(v) - want[h][i / dims.headDim][i % dims.headDim]))
                    }
                }
                return w
            }
            #expect(worst(layer.queries, expected[l].queries) < Self.tolerance)
            #expect(worst(layer.keys, expected[l].keys) < Self.tolerance)
            #expect(worst(layer.values, expected[l].values) < Self.tolerance)
        }
        // Layer 0, position 0: K = Wk · RMSNorm(embedding(token 0)), no rotation.
        let w0 = weights.layers[0]
        let x = reference.rmsNorm(
            (0..<dims.dModel).map { Double(weights.tokenEmbedding[tokens[0] * dims.dModel + $0]) }, w0.attentionNorm)
        let k = reference.apply(w0.wk, x)
        let q = reference.apply(w0.wq, x)
        for g in 0..<dims.kvHeads {
            for i in 0..<dims.headDim {
                #expect(abs(Double(captured[0].keys[g][i]) - k[g * dims.headDim + i]) < 1e-5)
            }
        }
        for j in 0..<dims.heads {
            for i in 0..<dims.headDim {
                #expect(abs(Double(captured[0].queries[j][i]) - q[j * dims.headDim + i]) < 1e-5)
            }
        }
    }

    @Test("a cache transform replaces the keys and values attention reads")
    func cacheTransform() throws {
        let weights = RandomLlama.weights()
        let tokens = RandomLlama.tokens(12)
        // Negate the keys of layer 1 and halve every value.
        let hooks = LlamaHooks(transformCache: { block in
            if block.layer == 1 { block.keys = block.keys.map { $0.map { -$0 } } }
            block.values = block.values.map { $0.map { $0 / 2 } }
        })
        let model = LlamaModel(weights: weights)
        let logits = try model.logits(tokens: tokens, hooks: hooks)
        let reference = LlamaReference(weights: weights, rope: .rotateHalf).run(tokens) { layer, keys, values in
            if layer == 1 { keys = keys.map { $0.map { $0.map { -$0 } } } }
            values = values.map { $0.map { $0.map { $0 / 2 } } }
        }
        #expect(Self.maxDifference(logits, reference.logits) < Self.tolerance)
        let plain = LlamaReference(weights: weights, rope: .rotateHalf).run(tokens).logits
        #expect(Self.maxDifference(logits, plain) > 100 * Self.tolerance)
        // The same transform applied step by step gives the same logits.
        let cache = model.makeCache(capacity: 12)
        var stepped: [Float] = []
        for token in tokens { stepped += try model.step(token: token, cache: cache, hooks: hooks) }
        #expect(stepped.map(\.bitPattern) == logits.map(\.bitPattern))
        // A transform must keep shapes.
        let dropping = LlamaHooks(transformCache: { block in block.values.removeLast() })
        #expect(throws: LlamaError.transformChangedShape(layer: 0)) {
            try model.forward(tokens: tokens, hooks: dropping)
        }
        let shortening = LlamaHooks(transformCache: { block in block.keys[0].removeLast() })
        #expect(throws: LlamaError.transformChangedShape(layer: 0)) {
            try model.forward(tokens: tokens, hooks: shortening)
        }
    }

    @Test("evaluate: per-position NLL, argmax, perplexity and accuracy from the reference log-softmax")
    func evaluate() throws {
        let weights = RandomLlama.weights()
        let tokens = RandomLlama.tokens(30)
        let model = LlamaModel(weights: weights)
        let evaluation = try model.evaluate(tokens: tokens, threads: 2)
        let reference = LlamaReference(weights: weights, rope: .rotateHalf).run(tokens).logits
        #expect(evaluation.nll.count == 29 && evaluation.argmax.count == 30)
        var hits = 0
        for t in 0..<30 {
            let row = reference[t]
            let m = row.max()!
            let logZ = m + log(row.reduce(0.0) { $0 + exp($1 - m) })
            #expect(evaluation.argmax[t] == row.firstIndex(of: m)!)
            if t < 29 {
                #expect(abs(evaluation.nll[t] - (logZ - row[tokens[t + 1]])) < Self.tolerance)
                if evaluation.argmax[t] == tokens[t + 1] { hits += 1 }
            }
        }
        let mean = evaluation.nll.reduce(0, +) / 29
        #expect(evaluation.meanNLL == mean)
        #expect(abs(evaluation.perplexity - exp(mean)) <= 1e-12 * exp(mean))
        #expect(evaluation.top1Accuracy == Double(hits) / 29)
        #expect(try model.perplexity(tokens: tokens) == evaluation.perplexity)
        // logProbabilities: rows that exponentiate to 1 and agree with the NLLs.
        let logProbabilities = try model.logProbabilities(tokens: tokens)
        #expect(logProbabilities.count == 30)
        for t in 0..<29 {
            #expect(abs(logProbabilities[t].reduce(0.0) { $0 + exp($1) } - 1) < 1e-12)
            #expect(abs(-logProbabilities[t][tokens[t + 1]] - evaluation.nll[t]) < 1e-12)
        }
        // Observe hooks also run during evaluation (capture and evaluation in one pass).
        var layers = 0
        _ = try model.evaluate(tokens: tokens, hooks: LlamaHooks(observe: { _ in layers += 1 }))
        #expect(layers == 2)
    }

    @Test("greedy generation follows the argmax of the full-sequence logits and stops on a stop token")
    func generateGreedy() throws {
        let model = LlamaModel(weights: RandomLlama.weights())
        let prompt = RandomLlama.tokens(6)
        let generated = try model.generateGreedy(prompt: prompt, maxNewTokens: 5, threads: 2)
        #expect(generated.count == 5)
        var sequence = prompt
        for token in generated {
            let argmax = try model.evaluate(tokens: sequence).argmax.last!
            #expect(token == argmax)
            sequence.append(token)
        }
        let stopped = try model.generateGreedy(prompt: prompt, maxNewTokens: 5, stopTokens: [generated[1]])
        #expect(stopped == Array(generated[0...1]))
        #expect(try model.generateGreedy(prompt: prompt, maxNewTokens: 0).isEmpty)
    }

    @Test("bad input: typed errors, and the cache is unchanged")
    func errors() throws {
        let model = LlamaModel(weights: RandomLlama.weights())
        #expect(throws: LlamaError.emptyInput) { try model.forward(tokens: []) }
        #expect(throws: LlamaError.tokenOutOfRange(token: 50, index: 1, vocab: 50)) {
            try model.forward(tokens: [1, 50])
        }
        #expect(throws: LlamaError.tokenOutOfRange(token: -1, index: 0, vocab: 50)) {
            try model.forward(tokens: [-1])
        }
        let cache = model.makeCache(capacity: 3)
        try model.forward(tokens: [1, 2], cache: cache)
        #expect(throws: LlamaError.cacheFull(capacity: 3, needed: 4)) {
            try model.forward(tokens: [3, 4], cache: cache)
        }
        #expect(cache.count == 2)
        // A hook's error leaves the cache as it was; running on continues the sequence exactly.
        struct Stop: Error {}
        let stopping = LlamaHooks(observe: { _ in throw Stop() })
        let resumable = model.makeCache(capacity: 4)
        try model.forward(tokens: [1], cache: resumable)
        #expect(throws: Stop.self) { try model.forward(tokens: [2, 3], cache: resumable, hooks: stopping) }
        #expect(resumable.count == 1)
        let continued = try model.logits(tokens: [2, 3], cache: resumable)
        #expect(continued == Array(try model.logits(tokens: [1, 2, 3])[50...]))
        var other = RandomLlama.dimensions
        other.layers = 1
        let otherModel = LlamaModel(weights: RandomLlama.weights(other))
        #expect(throws: LlamaError.cacheMismatch) { try otherModel.forward(tokens: [1], cache: cache) }
        #expect(
            throws: LlamaError.weightShape(name: "output norm", expected: 24, actual: 23),
            performing: {
                let w = RandomLlama.weights()
                _ = try LlamaWeights(
                    dimensions: w.dimensions, tokenEmbedding: w.tokenEmbedding, layers: w.layers,
                    outputNorm: Array(w.outputNorm.dropLast()), output: nil)
            })
        var odd = RandomLlama.dimensions
        odd.headDim = 7
        #expect(throws: LlamaError.self) { try odd.validate() }
        var groups = RandomLlama.dimensions
        groups.kvHeads = 4
        #expect(throws: LlamaError.self) { try groups.validate() }
        #expect(LlamaError.cacheFull(capacity: 3, needed: 4).description.contains("larger cache"))
    }
}
