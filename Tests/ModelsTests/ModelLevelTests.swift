import Foundation
import KVLabTestSupport
import Quantization
import Testing

@testable import Models

/// Model-level metrics on a tiny GGUF model (head dim 16, a power of two, so every rotation and sketch
/// applies) against a plain reference: the model decoded token by token with a growing cache and the same
/// cache quantizer, and the metrics recomputed here in `Double` with Foundation's exp and log.
@Suite("Model-level metrics")
struct ModelLevelTests {
    /// The tiny model: 2 layers, d_model 64, 4 query heads and 2 KV heads of dim 16, vocab 300.
    static let model: LlamaModel = {
        var c = TinyLlama.Configuration()
        c.embeddingLength = 64
        c.feedForwardLength = 128
        c.seed = 17
        let dir = try! TemporaryDirectory()
        let url = dir.url.appendingPathComponent("tiny.gguf")
        try! TinyLlama.write(to: url, c)
        return try! LlamaModel(gguf: GGUFFile(contentsOf: url))
    }()

    /// 100 tokens: 99 predicting positions span two logits blocks (96 rows each) and two attention query
    /// blocks (64 rows each).
    static let tokens = (0..<100).map { ($0 * 113 + 29) % 300 }

    /// KQV at n = 3, d = 16.
    static var config: TrialConfig {
        var c = TrialConfig()
        c.scheme = .KQV
        c.bits = 3
        c.dim = 16
        return c
    }

    static func quantizer(layers: Set<Int>? = nil, threads: Int = 1, config: TrialConfig = config) throws
        -> LlamaCacheQuantizer
    {
        try LlamaCacheQuantizer(
            engine: TrialEngine(), config: config, seed: 7, trial: 2, dimensions: model.dimensions, layers: layers,
            threads: threads)
    }

    // MARK: - The plain reference

    /// The logits of positions 0…T−2, one token at a time through a growing cache.
    static func steppedLogits(_ tokens: [Int], hooks: LlamaHooks = LlamaHooks()) throws -> [[Float]] {
        let cache = model.makeCache(capacity: tokens.count)
        return try tokens.dropLast().map { try model.step(token: $0, cache: cache, hooks: hooks) }
    }

    /// Per position: KL(exact ‖ quant), nll_quant − nll_exact and whether the argmax agrees, in `Double` with
    /// Foundation's exp and log.
    static func referenceRows(exact: [[Float]], quant: [[Float]], tokens: [Int]) -> [(
        kl: Double, nllDelta: Double, agree: Bool
    )] {
        func logSoftmax(_ row: [Float]) -> [Double] {
            let x = row.map(Double.init)
            let m = x.max()!
            let logZ = m + log(x.reduce(0.0) { $0 + exp($1 - m) })
            return x.map { $0 - logZ }
        }
        return exact.indices.map { t in
            let p = logSoftmax(exact[t])
            let q = logSoftmax(quant[t])
            var kl = 0.0
            for i in p.indices { kl += exp(p[i]) * (p[i] - q[i]) }
            let target = tokens[t + 1]
            let agree = exact[t].firstIndex(of: exact[t].max()!) == quant[t].firstIndex(of: quant[t].max()!)
            return (kl, -q[target] + p[target], agree)
        }
    }

    /// The mean metrics of some reference rows.
    static func referenceMetrics(_ rows: some Collection<(kl: Double, nllDelta: Double, agree: Bool)>) -> (
        nextKL: Double, pplRatio: Double, nllDelta: Double, nextTop1Agree: Double
    ) {
        let n = Double(rows.count)
        let delta = rows.map(\.nllDelta).reduce(0, +) / n
        return (rows.map(\.kl).reduce(0, +) / n, exp(delta), delta, Double(rows.count { $0.agree }) / n)
    }

    /// The logits are the same bits in both computations (prefill = step decoding, and the quantizer codes
    /// each row on its own), so only the final reductions differ: kvlab's exp and log against Foundation's
    /// (each within about an ulp) and the order of a few hundred additions. Measured: at most 5e-15 relative
    /// on next_kl and 2e-13 on nll_delta (a mean of differences of two NLLs of a few nats each, so it loses
    /// digits to cancellation). 1e-9 leaves a margin of 5,000, while a position off by one, a swapped KL
    /// direction, a wrong target token or a missing quantized layer moves them by 1e-3 relative or more
    /// (each of these was tried: the tests below fail).
    static let tolerance = 1e-9

    static func expectClose(
        _ metrics: ModelLevelMetrics,
        _ reference: (nextKL: Double, pplRatio: Double, nllDelta: Double, nextTop1Agree: Double),
        _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= tolerance * abs(b) + 1e-15 }
        #expect(close(metrics.nextKL, reference.nextKL), "next_kl \(comment)", sourceLocation: sourceLocation)
        #expect(close(metrics.pplRatio, reference.pplRatio), "ppl_ratio \(comment)", sourceLocation: sourceLocation)
        #expect(close(metrics.nllDelta, reference.nllDelta), "nll_delta \(comment)", sourceLocation: sourceLocation)
        #expect(
            metrics.nextTop1Agree == reference.nextTop1Agree, "next_top1_agree \(comment)",
            sourceLocation: sourceLocation)
    }

    // MARK: - Tests

    @Test("the exact run keeps the logits, log-sum-exp, argmax and NLL of positions 0…T−2")
    func exactRun() throws {
        let exact = try Self.model.exactRun(tokens: Self.tokens, threads: 2)
        let vocab = Self.model.dimensions.vocab
        #expect(exact.positionCount == 99 && exact.logits.count == 99 * vocab)
        let logits = try Self.model.logits(tokens: Self.tokens)
        #expect(exact.logits.map(\.bitPattern) == logits.prefix(99 * vocab).map(\.bitPattern))
        let evaluation = try Self.model.evaluate(tokens: Self.tokens)
        #expect(exact.nll == evaluation.nll)
        #expect(exact.argmax == Array(evaluation.argmax.prefix(99)))
        for t in [0, 50, 98] {
            let row = logits[(t * vocab)..<((t + 1) * vocab)].map(Double.init)
            let m = row.max()!
            #expect(abs(exact.logSumExp[t] - (m + log(row.reduce(0.0) { $0 + exp($1 - m) }))) < 1e-12)
        }
    }

    @Test("the identity transform gives next_kl 0, ppl_ratio 1, nll_delta 0 and next_top1_agree 1 exactly")
    func identity() throws {
        let exact = try Self.model.exactRun(tokens: Self.tokens)
        for positions in [nil, 1, 7, 99] {
            for threads in [1, 2] {
                let metrics = try Self.model.quantizedRun(
                    exact: exact, positions: positions, threads: threads, transform: { _ in })
                #expect(
                    metrics == ModelLevelMetrics(nextKL: 0, pplRatio: 1, nllDelta: 0, nextTop1Agree: 1),
                    "positions \(String(describing: positions)), \(threads) threads")
            }
        }
        // Quantizing no layer is the identity too.
        let none = try Self.model.modelLevelTrial(
            exact: exact, engine: TrialEngine(), config: Self.config, seed: 7, trial: 2, layers: [])
        #expect(none == ModelLevelMetrics(nextKL: 0, pplRatio: 1, nllDelta: 0, nextTop1Agree: 1))
    }

    @Test("the quantized prefill equals token-by-token decoding with the same quantizer, metrics recomputed in Double")
    func matchesReference() throws {
        let exact = try Self.model.exactRun(tokens: Self.tokens)
        let quantizer = try Self.quantizer()
        let metrics = try Self.model.quantizedRun(exact: exact, transform: quantizer.transform)
        let exactRows = try Self.steppedLogits(Self.tokens)
        let quantRows = try Self.steppedLogits(Self.tokens, hooks: quantizer.hooks)
        // The quantized prefill's logits are the stepped ones, bit for bit.
        let prefill = try Self.model.logits(tokens: Array(Self.tokens.dropLast()), hooks: quantizer.hooks)
        #expect(prefill.map(\.bitPattern) == quantRows.joined().map(\.bitPattern))
        let rows = Self.referenceRows(exact: exactRows, quant: quantRows, tokens: Self.tokens)
        let reference = Self.referenceMetrics(rows)
        Self.expectClose(metrics, reference, "all layers, all positions")
        // The quantized run does differ from the exact one: by far more than the tolerance.
        #expect(metrics.nextKL > 1e-4 && abs(metrics.nllDelta) > 1e-5 && metrics.pplRatio != 1)
        #expect(rows.allSatisfy { $0.kl > 0 })
        print("tiny model, KQV n=3, all layers: \(metrics)")
        // The convenience computes the same trial.
        let trial = try Self.model.modelLevelTrial(
            exact: exact, engine: TrialEngine(), config: Self.config, seed: 7, trial: 2)
        #expect(trial == metrics)
        // Another trial draws other rotations and sketches.
        let other = try Self.model.modelLevelTrial(
            exact: exact, engine: TrialEngine(), config: Self.config, seed: 7, trial: 3)
        #expect(other.nextKL != metrics.nextKL)
    }

    @Test(
        "layers: [] = none, [0, 1] = nil (all); only layer 1 differs from none and from all and matches its reference")
    func layers() throws {
        let exact = try Self.model.exactRun(tokens: Self.tokens)
        func run(_ layers: Set<Int>?) throws -> ModelLevelMetrics {
            try Self.model.quantizedRun(exact: exact, transform: try Self.quantizer(layers: layers).transform)
        }
        let all = try run(nil)
        #expect(try run([0, 1]) == all)
        #expect(try run([]) == ModelLevelMetrics(nextKL: 0, pplRatio: 1, nllDelta: 0, nextTop1Agree: 1))
        let layer1 = try run([1])
        let layer0 = try run([0])
        #expect(layer1.nextKL > 1e-6 && layer1.nextKL != all.nextKL && layer1.nextKL != layer0.nextKL)
        // Layer 0's error compounds through layer 1: quantizing both is worse than layer 1 alone here.
        #expect(all.nextKL > layer1.nextKL)
        let exactRows = try Self.steppedLogits(Self.tokens)
        let quantRows = try Self.steppedLogits(Self.tokens, hooks: try Self.quantizer(layers: [1]).hooks)
        Self.expectClose(
            layer1, Self.referenceMetrics(Self.referenceRows(exact: exactRows, quant: quantRows, tokens: Self.tokens)),
            "layer 1 only")
    }

    @Test("positions P compares the last P positions: the reference on all positions, sliced")
    func positions() throws {
        let exact = try Self.model.exactRun(tokens: Self.tokens)
        let quantizer = try Self.quantizer()
        let rows = Self.referenceRows(
            exact: try Self.steppedLogits(Self.tokens),
            quant: try Self.steppedLogits(Self.tokens, hooks: quantizer.hooks),
            tokens: Self.tokens)
        for p in [1, 5, 40, 98, 99] {
            let metrics = try Self.model.quantizedRun(exact: exact, positions: p, transform: quantizer.transform)
            Self.expectClose(metrics, Self.referenceMetrics(rows.suffix(p)), "last \(p) positions")
        }
        // The first positions are not the last ones (the slicing matters).
        let first5 = Self.referenceMetrics(rows.prefix(5))
        let last5 = try Self.model.quantizedRun(exact: exact, positions: 5, transform: quantizer.transform)
        #expect(abs(last5.nextKL - first5.nextKL) > 1e3 * Self.tolerance * first5.nextKL)
        #expect(
            try Self.model.quantizedRun(exact: exact, positions: 99, transform: quantizer.transform)
                == Self.model.quantizedRun(exact: exact, positions: nil, transform: quantizer.transform))
        for bad in [0, -1, 100, 1000] {
            #expect(
                throws: ConfigError(
                    key: "positions",
                    message: "\(bad) is out of range 1…99 (the last P of the 99 positions that predict a next token)")
            ) {
                try Self.model.quantizedRun(exact: exact, positions: bad, transform: quantizer.transform)
            }
            #expect(throws: ConfigError.self) {
                try Self.model.modelLevelTrial(
                    exact: exact, engine: TrialEngine(), config: Self.config, seed: 7, trial: 2, positions: bad)
            }
        }
    }

    @Test("1 and 2 threads give bit-identical metrics (quantizer and run)")
    func threads() throws {
        func bits(_ m: ModelLevelMetrics) -> [UInt64] {
            [m.nextKL, m.pplRatio, m.nllDelta, m.nextTop1Agree].map(\.bitPattern)
        }
        let one = try Self.model.exactRun(tokens: Self.tokens, threads: 1)
        let two = try Self.model.exactRun(tokens: Self.tokens, threads: 2)
        #expect(one.logits.map(\.bitPattern) == two.logits.map(\.bitPattern))
        #expect(one.logSumExp.map(\.bitPattern) == two.logSumExp.map(\.bitPattern))
        for scheme in Scheme.shipped {
            var config = Self.config
            config.scheme = scheme
            for positions in [nil, 5] {
                let a = try Self.model.quantizedRun(
                    exact: one, positions: positions, threads: 1,
                    transform: try Self.quantizer(threads: 1, config: config).transform)
                let b = try Self.model.quantizedRun(
                    exact: two, positions: positions, threads: 2,
                    transform: try Self.quantizer(threads: 2, config: config).transform)
                #expect(bits(a) == bits(b), "\(scheme)")
                #expect(a.nextKL > 0)
            }
        }
    }

    @Test(
        "the cache quantizer: each (layer, KV head) reconstructs with its own scope's quantizers; other layers untouched"
    )
    func quantizerScopes() throws {
        let dims = Self.model.dimensions
        let quantizer = try Self.quantizer(layers: [1])
        #expect(quantizer.layers == [1])
        var s = RandomStream(seed: 1, trial: 0, role: .auxiliary)
        let rows = 5
        // The same rows in both heads: only their quantizers differ.
        let keys = (0..<(rows * dims.headDim)).map { _ in Float(s.gaussian()) }
        let values = (0..<(rows * dims.headDim)).map { _ in Float(s.gaussian()) }
        let original = LlamaCacheBlock(
            layer: 1, positions: 3..<8, keys: [keys, keys], values: [values, values])
        var block = original
        quantizer.transform(&block)
        let engine = TrialEngine()
        for head in 0..<dims.kvHeads {
            let q = engine.quantizers(Self.config, seed: 7, trial: 2, scope: StreamScope(layer: 1, head: head))
            func direct(_ x: [Float], _ v: VectorQuantizer) -> [Float] {
                v.reconstruct(Matrix(rows: rows, cols: dims.headDim, storage: x.map(Double.init))).storage.map(
                    Float.init)
            }
            #expect(block.keys[head] == direct(keys, q.key), "head \(head)")
            #expect(block.values[head] == direct(values, q.value), "head \(head)")
            #expect(block.keys[head] != keys && block.values[head] != values)
        }
        #expect(block.keys[0] != block.keys[1] && block.values[0] != block.values[1])
        // Layer 0 is not in the set: its block is left as it is.
        var layer0 = LlamaCacheBlock(layer: 0, positions: 3..<8, keys: [keys, keys], values: [values, values])
        quantizer.transform(&layer0)
        #expect(layer0.keys == [keys, keys] && layer0.values == [values, values])
        // One row at a time gives the same rows as the block.
        for r in 0..<rows {
            let range = (r * dims.headDim)..<((r + 1) * dims.headDim)
            var single = LlamaCacheBlock(
                layer: 1, positions: (3 + r)..<(4 + r), keys: original.keys.map { Array($0[range]) },
                values: original.values.map { Array($0[range]) })
            quantizer.transform(&single)
            #expect(single.keys == block.keys.map { Array($0[range]) })
            #expect(single.values == block.values.map { Array($0[range]) })
        }
    }

    @Test("bad layers, dim, bits, too few tokens and an exact run of another model are clear errors")
    func errors() throws {
        let dims = Self.model.dimensions
        for bad in [2, -1, 30] {
            #expect(
                throws: ConfigError(key: "layers", message: "layer \(bad) is out of range 0…1 (the model has 2)")
            ) {
                try Self.quantizer(layers: [0, bad])
            }
        }
        var config = Self.config
        config.dim = 128
        #expect(
            throws: ConfigError(key: "dim", message: "128 is not the model's head dim (16); set dim to it")
        ) {
            try Self.quantizer(config: config)
        }
        config = Self.config
        config.bits = 9
        #expect(throws: ConfigError(key: "bits", message: "9 is out of range 1…8")) {
            try Self.quantizer(config: config)
        }
        // A head dim that is not a power of two: Hadamard rotations and sketches are refused, haar is fine.
        var odd = dims
        odd.headDim = 12
        config = Self.config
        config.dim = 12
        #expect(throws: ConfigError.self) {
            try LlamaCacheQuantizer(engine: TrialEngine(), config: config, seed: 1, trial: 0, dimensions: odd)
        }
        config.rotation = .haar
        _ = try LlamaCacheQuantizer(engine: TrialEngine(), config: config, seed: 1, trial: 0, dimensions: odd)
        config.scheme = .QKQV
        config.qjl = .hadamard
        #expect(throws: ConfigError.self) {
            try LlamaCacheQuantizer(engine: TrialEngine(), config: config, seed: 1, trial: 0, dimensions: odd)
        }
        #expect(throws: ModelLevelError.tooFewTokens(count: 1)) { try Self.model.exactRun(tokens: [5]) }
        #expect(throws: ModelLevelError.tooFewTokens(count: 0)) { try Self.model.exactRun(tokens: []) }
        #expect(throws: LlamaError.tokenOutOfRange(token: 300, index: 2, vocab: 300)) {
            try Self.model.exactRun(tokens: [1, 2, 300])
        }
        // An exact run of the default tiny model (other dimensions).
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("other.gguf")
        try TinyLlama.write(to: url)
        let other = try LlamaModel(gguf: GGUFFile(contentsOf: url))
        let exact = try other.exactRun(tokens: [1, 2, 3])
        #expect(throws: ModelLevelError.exactRunMismatch) {
            try Self.model.quantizedRun(exact: exact, transform: { _ in })
        }
        #expect(ModelLevelError.exactRunMismatch.description.contains("exactRun"))
        #expect(ModelLevelError.tooFewTokens(count: 1).description.contains("at least 2 tokens"))
    }
}

/// Model-level metrics of the offline test model on the shipped text (skipped without the model).
@Suite(.enabled(if: TestModel.path != nil))
struct ModelLevelRealModelTests {
    /// The first 128 tokens of data/lighthouses.txt in optimised builds; debug builds run the scalar kernels,
    /// about 50 times slower, so they take the first 12.
    #if DEBUG
        static let length = 12
    #else
        static let length = 128
    #endif

    @Test("mse+mse at 8 bits barely moves the next-token distribution; KV at 2 bits moves it far more than at 8")
    func smolLM2() throws {
        let file = try GGUFFile(contentsOf: try #require(TestModel.path))
        let tokenizer = try loadTokenizer(from: file)
        let model = try LlamaModel(gguf: file)
        let text = try String(
            contentsOf: TestModel.repositoryRoot.appendingPathComponent("data/lighthouses.txt"), encoding: .utf8)
        var tokens = tokenizer.encode(text, parseSpecial: false)
        if tokenizer.addBOS, let bos = tokenizer.bos { tokens.insert(bos, at: 0) }
        tokens = Array(tokens.prefix(Self.length))
        #expect(tokens.count == Self.length)
        let exact = try model.exactRun(tokens: tokens, threads: 2)
        let engine = TrialEngine()
        func trial(_ scheme: Scheme, bits: Int) throws -> ModelLevelMetrics {
            var config = TrialConfig()
            config.scheme = scheme
            config.bits = bits
            config.dim = model.dimensions.headDim
            return try model.modelLevelTrial(
                exact: exact, engine: engine, config: config, seed: 1, trial: 0, threads: 2)
        }
        let mse2 = try trial(Scheme(declaring: "MSE2", key: .turboMSE, value: .turboMSE), bits: 8)
        let kv8 = try trial(.KV, bits: 8)
        let kv2 = try trial(.KV, bits: 2)
        print("SmolLM2-135M, \(tokens.count) tokens: MSE2 n=8 \(mse2); KV n=8 \(kv8); KV n=2 \(kv2)")
        // Measured on 128 tokens (release): MSE2 n=8 next_kl 3.0e-4, ppl_ratio 1.00188, top-1 agreement 0.992;
        // KV n=8 next_kl 0.21, KV n=2 4.1 (ratio 20; 10 on the 12 tokens of a debug build). next_kl is stable
        // across seeds (2.6e-4…3.5e-4 for seeds 1–6), but at n = 8 ppl_ratio is mostly sampling noise of the
        // 127 positions' NLL differences (0.9972…1.0029 for seeds 1–6): the bound 1.002 holds for this seed,
        // not for every seed.
        #expect(mse2.pplRatio < 1.002 && mse2.nextKL < 1e-3)
        #expect(mse2.nextKL > 0 && mse2.nextTop1Agree > 0.9)
        #expect(kv2.nextKL > 5 * kv8.nextKL)
        #expect(kv2.nextKL > 1)
    }
}
