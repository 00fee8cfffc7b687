import Foundation
import Models

/// A plain, obviously-correct Llama forward pass for tests: per-element loops in `Double`, written
/// independently of the model (no kernels, no blocking, no cache).
struct LlamaReference {
    /// Which RoPE the reference applies to the query and key rows it is given.
    enum RoPE {
        /// Hugging Face: dimensions i and i + headDim/2 rotate together.
        case rotateHalf
        /// llama.cpp: dimensions 2i and 2i + 1 rotate together (for GGUF-order rows).
        case interleaved
    }

    /// A layer's post-RoPE queries and keys and its values: [head][position][dimension].
    struct Activations {
        var queries: [[[Double]]]
        var keys: [[[Double]]]
        var values: [[[Double]]]
    }

    let weights: LlamaWeights
    let rope: RoPE

    var dims: LlamaDimensions { weights.dimensions }

    /// y = M·x for a row-major matrix of `x.count` columns.
    func apply(_ m: [Float], _ x: [Double]) -> [Double] {
        let columns = x.count
        return (0..<(m.count / columns)).map { row in
            var sum = 0.0
            for c in 0..<columns { sum += Double(m[row * columns + c]) * x[c] }
            return sum
        }
    }

    func rmsNorm(_ x: [Double], _ w: [Float]) -> [Double] {
        var meanSquare = 0.0
        for v in x { meanSquare += v * v }
        meanSquare /= Double(x.count)
        let r = 1 / (meanSquare + Double(dims.rmsEpsilon)).squareRoot()
        return (0..<x.count).map { x[$0] * r * Double(w[$0]) }
    }

    /// RoPE of one head's vector at `position`.
    func rotate(_ v: [Double], position: Int) -> [Double] {
        let d = v.count
        var out = v
        for i in 0..<(d / 2) {
            let angle = Double(position) * pow(dims.ropeBase, -Double(2 * i) / Double(d))
            let (a, b) = rope == .rotateHalf ? (i, i + d / 2) : (2 * i, 2 * i + 1)
            out[a] = v[a] * cos(angle) - v[b] * sin(angle)
            out[b] = v[b] * cos(angle) + v[a] * sin(angle)
        }
        return out
    }

    /// The logits of every position and every layer's activations; `transform` may replace a layer's keys
    /// and values ([head][position][dimension]) before attention reads them.
    func run(
        _ tokens: [Int], transform: ((Int, inout [[[Double]]], inout [[[Double]]]) -> Void)? = nil
    ) -> (logits: [[Double]], layers: [Activations]) {
        let d = dims.dModel
        let hd = dims.headDim
        var hidden = tokens.map { token in (0..<d).map { Double(weights.tokenEmbedding[token * d + $0]) } }
        var layers: [Activations] = []
        for (l, w) in weights.layers.enumerated() {
            let normed = hidden.map { rmsNorm($0, w.attentionNorm) }
            func heads(_ m: [Float], _ count: Int, rotated: Bool) -> [[[Double]]] {
                let projected = normed.map { apply(m, $0) }
                return (0..<count).map { h in
                    projected.enumerated().map { t, row in
                        let v = Array(row[(h * hd)..<((h + 1) * hd)])
                        return rotated ? rotate(v, position: t) : v
                    }
                }
            }
            var activations = Activations(
                queries: heads(w.wq, dims.heads, rotated: true), keys: heads(w.wk, dims.kvHeads, rotated: true),
                values: heads(w.wv, dims.kvHeads, rotated: false))
            layers.append(activations)
            transform?(l, &activations.keys, &activations.values)
            let group = dims.heads / dims.kvHeads
            var attended = [[Double]](repeating: [], count: tokens.count)
            for t in 0..<tokens.count {
                for j in 0..<dims.heads {
                    let q = activations.queries[j][t]
                    let keys = activations.keys[j / group]
                    let values = activations.values[j / group]
                    let scores = (0...t).map { u in
                        (0..<hd).reduce(0.0) { $0 + q[$1] * keys[u][$1] } / Double(hd).squareRoot()
                    }
                    let m = scores.max()!
                    let e = scores.map { exp($0 - m) }
                    let z = e.reduce(0, +)
                    attended[t] += (0..<hd).map { c in (0...t).reduce(0.0) { $0 + e[$1] / z * values[$1][c] } }
                }
            }
            for t in 0..<tokens.count {
                let o = apply(w.wo, attended[t])
                for i in 0..<d { hidden[t][i] += o[i] }
                let x = rmsNorm(hidden[t], w.ffnNorm)
                let g = apply(w.gate, x)
                let u = apply(w.up, x)
                let a = (0..<g.count).map { g[$0] / (1 + exp(-g[$0])) * u[$0] }
                let down = apply(w.down, a)
                for i in 0..<d { hidden[t][i] += down[i] }
            }
        }
        let head = weights.output ?? weights.tokenEmbedding
        return (hidden.map { apply(head, rmsNorm($0, weights.outputNorm)) }, layers)
    }
}

/// Tiny random models for tests.
enum RandomLlama {
    static let dimensions = LlamaDimensions(
        layers: 2, dModel: 24, heads: 6, kvHeads: 2, headDim: 8, ffDim: 40, vocab: 50, ropeBase: 10_000,
        rmsEpsilon: 1e-5)

    /// Deterministic values in [−scale, scale) (a 64-bit LCG's top 24 bits).
    static func values(_ n: Int, seed: UInt64, scale: Float = 0.5, offset: Float = 0) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return offset + scale * (Float(state >> 40) / Float(1 << 23) - 1)
        }
    }

    /// Random weights; `tied` leaves the output head tied to the embedding.
    static func weights(_ dims: LlamaDimensions = dimensions, tied: Bool = false, seed: UInt64 = 1) -> LlamaWeights {
        let d = dims.dModel
        let q = dims.heads * dims.headDim
        let kv = dims.kvHeads * dims.headDim
        var next = seed * 1000
        func v(_ n: Int, scale: Float = 0.5, offset: Float = 0) -> [Float] {
            next += 1
            return values(n, seed: next, scale: scale, offset: offset)
        }
        let layers = (0..<dims.layers).map { _ in
            LlamaLayerWeights(
                attentionNorm: v(d, scale: 0.2, offset: 1), wq: v(q * d), wk: v(kv * d), wv: v(kv * d),
                wo: v(d * q, scale: 0.3), ffnNorm: v(d, scale: 0.2, offset: 1), gate: v(dims.ffDim * d),
                up: v(dims.ffDim * d), down: v(d * dims.ffDim, scale: 0.3))
        }
        return try! LlamaWeights(
            dimensions: dims, tokenEmbedding: v(dims.vocab * d, scale: 1), layers: layers,
            outputNorm: v(d, scale: 0.2, offset: 1), output: tied ? nil : v(dims.vocab * d))
    }

    /// `count` token ids in 0..<vocab.
    static func tokens(_ count: Int, seed: UInt64 = 5) -> [Int] {
        values(count, seed: seed, scale: 1).map { Int(($0 + 1) / 2 * Float(dimensions.vocab)) % dimensions.vocab }
    }
}
