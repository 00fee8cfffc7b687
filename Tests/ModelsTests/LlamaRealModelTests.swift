import Foundation
import KVLabTestSupport
import Models
import Testing

/// The forward pass on the offline test model (SmolLM2-135M-Instruct, Q4_1) against
/// `Fixtures/forward-golden.json`, written by `scripts/golden/forward.py`: an independent numpy
/// implementation in float64 that dequantizes with the Python `gguf` package and runs llama.cpp's
/// interleaved RoPE on the GGUF-order rows.
@Suite(.enabled(if: TestModel.path != nil)) struct LlamaRealModelTests {
    struct Golden: Decodable {
        struct Top: Decodable {
            var position: Int
            var tokens: [Int]
            var logits: [Double]
        }
        var tokens: [Int]
        var nll: [Double]
        var top5: [Top]
    }

    /// Float32 against float64: rounding (relative ~6e-8 per operation through 30 layers) moves NLLs
    /// and logits by ~1e-5 (measured in a release build: NLL within 1.2e-5 over the 32 positions, the
    /// top-5 logits within 1.4e-5); 1e-4 leaves a margin of 7, while a wrong RoPE pairing, a transposed
    /// weight or a missing norm moves NLLs by 0.1 or more.
    static let nllTolerance = 1e-4
    static let logitTolerance = 1e-4

    /// The golden sentence's first tokens: NLL at position t depends only on tokens 0…t+1, so a prefix
    /// checks the first positions exactly. Debug builds run the scalar kernels, ~50 times slower, so they
    /// check 10 positions; optimised builds all 33.
    #if DEBUG
        static let length = 10
    #else
        static let length = 33
    #endif

    @Test("NLL and top-5 logits equal the numpy float64 golden run (prefill, then one decoding step); capture")
    func golden() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/forward-golden", withExtension: "json"))
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        let clock = ContinuousClock()
        let loadStart = clock.now
        let model = try LlamaModel(gguf: GGUFFile(contentsOf: try #require(TestModel.path)))
        let loaded = clock.now - loadStart
        let dims = model.dimensions
        #expect(dims.layers == 30 && dims.heads == 9 && dims.kvHeads == 3 && dims.headDim == 64)
        #expect(dims.vocab == 49152 && dims.dModel == 576 && dims.ffDim == 1536 && dims.ropeBase == 100_000)
        let tokens = Array(golden.tokens.prefix(Self.length))
        var layers = 0
        let hooks = LlamaHooks(observe: { activations in
            #expect(activations.layer == layers)
            #expect(activations.queries.count == 9 && activations.keys.count == 3 && activations.values.count == 3)
            for rows in activations.queries + activations.keys + activations.values {
                #expect(rows.count == (tokens.count - 1) * 64)
                #expect(rows.allSatisfy { $0.isFinite })
            }
            layers += 1
        })
        // All positions but the last in one prefill, the last as a decoding step.
        let runStart = clock.now
        let cache = model.makeCache(capacity: tokens.count)
        var logits = try model.logits(tokens: Array(tokens.dropLast()), cache: cache, threads: 2, hooks: hooks)
        logits += try model.step(token: tokens.last!, cache: cache, threads: 2)
        print("loaded in \(loaded), ran \(tokens.count) tokens in \(clock.now - runStart)")
        #expect(layers == 30)
        // Log-softmax of each row in Double, here, from the logits.
        var nll: [Double] = []
        var hits = 0
        var worstLogit = 0.0
        for t in 0..<tokens.count {
            let row = logits[(t * dims.vocab)..<((t + 1) * dims.vocab)].map(Double.init)
            let m = row.max()!
            let logZ = m + log(row.reduce(0.0) { $0 + exp($1 - m) })
            if t + 1 < tokens.count {
                nll.append(logZ - row[tokens[t + 1]])
                if row.firstIndex(of: m) == tokens[t + 1] { hits += 1 }
            }
            if let top = golden.top5.first(where: { $0.position == t }) {
                #expect(row.firstIndex(of: m) == top.tokens[0], "position \(t)")
                for (token, logit) in zip(top.tokens, top.logits) {
                    worstLogit = max(worstLogit, abs(row[token] - logit))
                    #expect(abs(row[token] - logit) < Self.logitTolerance, "position \(t), token \(token)")
                }
            }
        }
        let worst = zip(nll, golden.nll).map { abs($0 - $1) }.max()!
        print(
            "largest |ΔNLL| against the float64 golden run over \(nll.count) positions: \(worst), |Δlogit|: \(worstLogit)"
        )
        for (t, value) in nll.enumerated() {
            #expect(abs(value - golden.nll[t]) < Self.nllTolerance, "position \(t)")
        }
        // A 135M model on plain English: a few nats per token (uniform over the vocabulary is 10.8).
        let mean = nll.reduce(0, +) / Double(nll.count)
        #expect(mean.isFinite && mean > 1 && mean < 5)
        #expect(Double(hits) / Double(nll.count) > 0.2)
    }
}
