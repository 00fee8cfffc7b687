import Quantization
import Statistics

/// One call of the forward pass: pointers to the weights and the cache, scratch buffers for the block
/// of new tokens, and the steps of the computation.
struct LlamaPass: @unchecked Sendable {
    let dims: LlamaDimensions
    let layout: LlamaModel.Layout
    let weights: UnsafePointer<Float>
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let capacity: Int
    /// The position of the first new token.
    let start: Int
    /// The number of new tokens.
    let count: Int
    let threads: Int
    /// Residual stream, `count × dModel`.
    let hidden: UnsafeMutablePointer<Float>
    /// Normalised residual stream, `count × dModel`.
    let normed: UnsafeMutablePointer<Float>
    /// Queries and the attention output, `count × heads·headDim` each.
    let queries: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    /// New keys and values, `count × kvHeads·headDim`.
    let newKeys: UnsafeMutablePointer<Float>
    let newValues: UnsafeMutablePointer<Float>
    /// A layer's output before it is added to the residual stream, `count × dModel`.
    let delta: UnsafeMutablePointer<Float>
    /// MLP activations, `count × ffDim` each.
    let gate: UnsafeMutablePointer<Float>
    let up: UnsafeMutablePointer<Float>
    /// RoPE cos and sin per new position and pair, `count × headDim/2` each.
    let cosines: UnsafeMutablePointer<Float>
    let sines: UnsafeMutablePointer<Float>

    /// Positions of queries per attention job.
    static let queryBlock = 64
    /// Positions of logits per call of the logits handler.
    static let logitsBlock = 96

    init(
        model: LlamaModel, weights: UnsafePointer<Float>, keys: UnsafeMutablePointer<Float>,
        values: UnsafeMutablePointer<Float>, capacity: Int, start: Int, count: Int, threads: Int
    ) {
        dims = model.dimensions
        layout = model.layout
        self.weights = weights
        self.keys = keys
        self.values = values
        self.capacity = capacity
        self.start = start
        self.count = count
        self.threads = threads
        let q = dims.heads * dims.headDim
        let kv = dims.kvHeads * dims.headDim
        hidden = .allocate(capacity: count * dims.dModel)
        normed = .allocate(capacity: count * dims.dModel)
        queries = .allocate(capacity: count * q)
        attention = .allocate(capacity: count * q)
        newKeys = .allocate(capacity: count * kv)
        newValues = .allocate(capacity: count * kv)
        delta = .allocate(capacity: count * dims.dModel)
        gate = .allocate(capacity: count * dims.ffDim)
        up = .allocate(capacity: count * dims.ffDim)
        cosines = .allocate(capacity: count * dims.headDim / 2)
        sines = .allocate(capacity: count * dims.headDim / 2)
    }

    func deallocate() {
        for buffer in [hidden, normed, queries, attention, newKeys, newValues, delta, gate, up, cosines, sines] {
            buffer.deallocate()
        }
    }

    func run(
        tokens: [Int], hooks: LlamaHooks,
        logits: ((_ positions: Range<Int>, _ rows: UnsafeBufferPointer<Float>) throws -> Void)?
    ) throws {
        let d = dims.dModel
        for (t, token) in tokens.enumerated() {
            (hidden + t * d).update(from: weights + layout.embedding + token * d, count: d)
        }
        prepareRoPE()
        for layer in 0..<dims.layers { try runLayer(layer, hooks: hooks) }
        guard let logits else { return }
        normalize(weight: layout.outputNorm)
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: min(count, Self.logitsBlock) * dims.vocab)
        defer { rows.deallocate() }
        var t0 = 0
        while t0 < count {
            let n = min(Self.logitsBlock, count - t0)
            FloatKernels.matmul(
                x: normed + t0 * d, xStride: d, w: weights + layout.output, wStride: d, y: rows, yStride: dims.vocab,
                tokens: n, inputs: d, outputs: dims.vocab, threads: threads)
            try logits(start + t0..<start + t0 + n, UnsafeBufferPointer(start: rows, count: n * dims.vocab))
            t0 += n
        }
    }

    /// cos and sin of position · ropeBase^(−2i/headDim) for every new position and pair i (in `Double`
    /// with kvlab's own elementary functions, the same bits on every machine).
    private func prepareRoPE() {
        let half = dims.headDim / 2
        let logBase = Elementary.log(dims.ropeBase)
        for i in 0..<half {
            let turns = Elementary.exp(-Double(2 * i) / Double(dims.headDim) * logBase) / (2 * Double.pi)
            for t in 0..<count {
                let (sin, cos) = Elementary.sinCosTwoPi(Double(start + t) * turns)
                cosines[t * half + i] = Float(cos)
                sines[t * half + i] = Float(sin)
            }
        }
    }

    /// Rotate-half RoPE on `heads` heads of every row of `x` (row stride `heads·headDim`).
    private func applyRoPE(_ x: UnsafeMutablePointer<Float>, heads: Int) {
        let hd = dims.headDim
        let half = hd / 2
        for t in 0..<count {
            let c = cosines + t * half
            let s = sines + t * half
            for h in 0..<heads {
                let v = x + (t * heads + h) * hd
                for i in 0..<half {
                    let a = v[i]
                    let b = v[i + half]
                    v[i] = a * c[i] - b * s[i]
                    v[i + half] = b * c[i] + a * s[i]
                }
            }
        }
    }

    /// normed ← RMSNorm(hidden) with the weight at `weight`, row by row.
    private func normalize(weight: Int) {
        let d = dims.dModel
        for t in 0..<count {
            FloatKernels.rmsNorm(
                hidden + t * d, weight: weights + weight, epsilon: dims.rmsEpsilon, into: normed + t * d, d)
        }
    }

    /// y ← normed · Wᵀ for the matrix at `matrix` with `outputs` rows of `inputs` values.
    private func project(
        _ x: UnsafePointer<Float>, _ matrix: Int, inputs: Int, outputs: Int, into y: UnsafeMutablePointer<Float>
    ) {
        FloatKernels.matmul(
            x: x, xStride: inputs, w: weights + matrix, wStride: inputs, y: y, yStride: outputs, tokens: count,
            inputs: inputs, outputs: outputs, threads: threads)
    }

    private func runLayer(_ layer: Int, hooks: LlamaHooks) throws {
        let w = layout.layers[layer]
        let d = dims.dModel
        let hd = dims.headDim
        let q = dims.heads * hd
        let kv = dims.kvHeads * hd
        normalize(weight: w.attentionNorm)
        project(normed, w.wq, inputs: d, outputs: q, into: queries)
        project(normed, w.wk, inputs: d, outputs: kv, into: newKeys)
        project(normed, w.wv, inputs: d, outputs: kv, into: newValues)
        applyRoPE(queries, heads: dims.heads)
        applyRoPE(newKeys, heads: dims.kvHeads)
        let positions = start..<start + count
        if let observe = hooks.observe {
            try observe(
                LlamaLayerActivations(
                    layer: layer, positions: positions, queries: split(queries, heads: dims.heads),
                    keys: split(newKeys, heads: dims.kvHeads), values: split(newValues, heads: dims.kvHeads)))
        }
        if let transform = hooks.transformCache {
            var block = LlamaCacheBlock(
                layer: layer, positions: positions, keys: split(newKeys, heads: dims.kvHeads),
                values: split(newValues, heads: dims.kvHeads))
            try transform(&block)
            let size = count * hd
            guard block.keys.count == dims.kvHeads, block.values.count == dims.kvHeads,
                block.keys.allSatisfy({ $0.count == size }), block.values.allSatisfy({ $0.count == size })
            else { throw LlamaError.transformChangedShape(layer: layer) }
            merge(block.keys, into: newKeys)
            merge(block.values, into: newValues)
        }
        store(layer: layer)
        attend(layer: layer)
        project(attention, w.wo, inputs: q, outputs: d, into: delta)
        addDelta(count * d)
        normalize(weight: w.ffnNorm)
        project(normed, w.gate, inputs: d, outputs: dims.ffDim, into: gate)
        project(normed, w.up, inputs: d, outputs: dims.ffDim, into: up)
        FloatKernels.swiglu(gate, up, count * dims.ffDim)
        project(gate, w.down, inputs: dims.ffDim, outputs: d, into: delta)
        addDelta(count * d)
    }

    private func addDelta(_ n: Int) {
        for i in 0..<n { hidden[i] += delta[i] }
    }

    /// The rows of `x` (stride `heads·headDim`) as one `count × headDim` array per head.
    private func split(_ x: UnsafePointer<Float>, heads: Int) -> [[Float]] {
        let hd = dims.headDim
        return (0..<heads).map { h in
            [Float](unsafeUninitializedCapacity: count * hd) { buffer, initialized in
                for t in 0..<count {
                    for i in 0..<hd { buffer[t * hd + i] = x[(t * heads + h) * hd + i] }
                }
                initialized = count * hd
            }
        }
    }

    /// The inverse of ``split(_:heads:)``.
    private func merge(_ perHead: [[Float]], into x: UnsafeMutablePointer<Float>) {
        let hd = dims.headDim
        for (h, rows) in perHead.enumerated() {
            for t in 0..<count {
                for i in 0..<hd { x[(t * perHead.count + h) * hd + i] = rows[t * hd + i] }
            }
        }
    }

    /// Offset of layer `layer`, KV head `head` in the cache arrays.
    private func cacheBase(layer: Int, head: Int) -> Int {
        (layer * dims.kvHeads + head) * capacity * dims.headDim
    }

    /// Appends the new keys and values (values transposed) to the cache.
    private func store(layer: Int) {
        let hd = dims.headDim
        for g in 0..<dims.kvHeads {
            let k = keys + cacheBase(layer: layer, head: g)
            let v = values + cacheBase(layer: layer, head: g)
            for t in 0..<count {
                let row = newKeys + (t * dims.kvHeads + g) * hd
                (k + (start + t) * hd).update(from: row, count: hd)
                let valueRow = newValues + (t * dims.kvHeads + g) * hd
                for c in 0..<hd { v[c * capacity + start + t] = valueRow[c] }
            }
        }
    }

    /// attention ← causal softmax(Q·Kᵀ/√headDim)·V per query head, reading KV head j / (heads/kvHeads).
    ///
    /// Jobs are (query head, block of 64 new positions); a block's scores against keys 0..<(its last
    /// position + 1) are one matrix product, the scores beyond each row's own position are replaced by
    /// zero weights, and the weighted sum of values is a second product with the transposed values
    /// (zero weights add nothing, so every value equals the one-token-at-a-time result).
    private func attend(layer: Int) {
        let hd = dims.headDim
        let qStride = dims.heads * hd
        let group = dims.heads / dims.kvHeads
        let blocks = (count + Self.queryBlock - 1) / Self.queryBlock
        let scale = Float(1 / Double(hd).squareRoot())
        FloatKernels.parallelFor(dims.heads * blocks, threads: threads) { job in
            let head = job / blocks
            let r0 = (job % blocks) * Self.queryBlock
            let rows = min(Self.queryBlock, count - r0)
            let keyCount = start + r0 + rows
            let base = cacheBase(layer: layer, head: head / group)
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: rows * keyCount)
            defer { scores.deallocate() }
            FloatKernels.matmul(
                x: queries + r0 * qStride + head * hd, xStride: qStride, w: keys + base, wStride: hd, y: scores,
                yStride: keyCount, tokens: rows, inputs: hd, outputs: keyCount, threads: 1)
            for r in 0..<rows {
                let s = scores + r * keyCount
                let visible = start + r0 + r + 1
                FloatKernels.softmax(s, visible, scale: scale)
                (s + visible).update(repeating: 0, count: keyCount - visible)
            }
            FloatKernels.matmul(
                x: scores, xStride: keyCount, w: values + base, wStride: capacity,
                y: attention + r0 * qStride + head * hd, yStride: qStride, tokens: rows, inputs: keyCount,
                outputs: hd, threads: 1)
        }
    }
}
