import Quantization
import Statistics

/// The exact run of a model on a token sequence, teacher-forced: what every model-level trial on the same
/// (model, tokens) compares against, so a caller computes it once and keeps it for all its quantized trials.
///
/// For T tokens it holds the T − 1 positions t = 0…T−2 that predict a next token (x_{t+1} after x_0…x_t):
/// their logits as Float32 (4·vocab bytes per position: about 100 MB for 512 tokens of a 49,152-token
/// vocabulary) and, per position, the log-sum-exp of the logits (`Double`), the most likely token and the
/// NLL of the actual next token.
public struct ExactModelRun: Sendable {
    /// The dimensions of the model that ran (a quantized run checks that its model has the same ones).
    public let dimensions: LlamaDimensions
    /// The token ids (T ≥ 2).
    public let tokens: [Int]
    /// The logits of positions 0…T−2, `(T − 1) × vocab` values, row-major (row t = position t).
    public let logits: [Float]
    /// `logSumExp[t]` = ln Σ_i exp(logits[t][i]), in `Double`.
    public let logSumExp: [Double]
    /// `argmax[t]` = the most likely token after tokens[0…t] (the first of equal maxima).
    public let argmax: [Int]
    /// `nll[t]` = −ln p(tokens[t+1] | tokens[0…t]) in nats.
    public let nll: [Double]

    /// The number of positions that predict a next token, T − 1.
    public var positionCount: Int { tokens.count - 1 }
}

/// The model-level metrics of one quantized trial against the exact run, averaged over the compared positions
/// (the last P of the T − 1 that predict a next token).
public struct ModelLevelMetrics: Sendable, Equatable {
    /// The mean over positions of KL(p_exact(·|prefix) ‖ p_quant(·|prefix)), summed over the vocabulary, in
    /// nats (in `Double` from the Float32 logits; not clamped, so rounding can leave a tiny negative value
    /// when the two distributions are equal to within it).
    public var nextKL: Double
    /// exp(``nllDelta``): the ratio of the quantized run's perplexity to the exact run's.
    public var pplRatio: Double
    /// The mean over positions of nll_quant − nll_exact, nll = −ln p(x_{t+1} | prefix), in nats.
    public var nllDelta: Double
    /// The fraction of positions whose most likely next token (the first of equal maxima) is unchanged.
    public var nextTop1Agree: Double

    /// Metrics from their values.
    public init(nextKL: Double, pplRatio: Double, nllDelta: Double, nextTop1Agree: Double) {
        self.nextKL = nextKL
        self.pplRatio = pplRatio
        self.nllDelta = nllDelta
        self.nextTop1Agree = nextTop1Agree
    }
}

/// Why a model-level run cannot be computed (switch values out of range are ``ConfigError``s).
public enum ModelLevelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The token sequence has fewer than two tokens, so no position predicts a next token.
    case tooFewTokens(count: Int)
    /// The exact run was made by a model of other dimensions than the one asked to compare with it.
    case exactRunMismatch

    /// A message saying what is wrong and how to fix it.
    public var description: String {
        switch self {
        case .tooFewTokens(let count):
            "model-level metrics need at least 2 tokens (a token and the next one it predicts); got \(count)"
        case .exactRunMismatch:
            "the exact run was made by a model of other dimensions; make it with this model's exactRun(tokens:threads:)"
        }
    }
}

/// Replaces the keys and values a model appends to its KV cache by their reconstruction under a quantization
/// scheme: use ``transform(_:)`` (or ``hooks``) as the forward pass's cache transform.
///
/// Every quantized layer's every KV head has its own quantizers, made once at initialisation by
/// ``TrialEngine/quantizers(_:seed:trial:scope:)`` with scope (layer, KV head): the rotation R and sketch S of
/// a (layer, head) depend only on (seed, trial, layer, head), whichever other layers are quantized, and a
/// decoding step (one call per token and layer) reuses them. Keys are the ones after RoPE, in Hugging Face
/// rotate-half order, as the cache stores them. Each row (token) is encoded and decoded on its own (Float32 →
/// `Double` → reconstruction → Float32), so a block of tokens gives the same rows as the tokens one at a time.
public struct LlamaCacheQuantizer: Sendable {
    /// The K and V quantizers of one (layer, KV head).
    struct HeadQuantizers: Sendable {
        let key: VectorQuantizer
        let value: VectorQuantizer
    }

    /// The layers whose caches are quantized (the others keep exact keys and values).
    public let layers: Set<Int>
    /// Threads for the reconstructions of one call (the K and V of each KV head are independent jobs; the
    /// result does not depend on the count).
    public let threads: Int
    /// Per layer, nil when exact, else one entry per KV head.
    let quantizers: [[HeadQuantizers]?]
    let headDim: Int

    /// Makes the quantizers of trial `trial` of (config, seed) for every KV head of `layers`.
    ///
    /// Only the quantizer switches of `config` matter: scheme (its K and V recipes), bits, rotation, qjl,
    /// codebook, baseline, norms, and `dim`, which must be the model's head dim.
    ///
    /// - Parameters:
    ///   - engine: the engine whose codebook cache the quantizers use.
    ///   - config: the quantizer switches.
    ///   - seed: the run's seed.
    ///   - trial: the trial index (with `seed`, it draws every R and S).
    ///   - dimensions: the model's dimensions.
    ///   - layers: the layers whose caches are quantized; nil = all.
    ///   - threads: threads for the reconstructions of one call.
    /// - Throws: ``ConfigError`` for a layer outside 0..<layers (key `layers`), a `dim` other than the head
    ///   dim, `bits` outside 1…8, or a Hadamard rotation or sketch at a head dim that is not a power of two.
    public init(
        engine: TrialEngine, config: TrialConfig, seed: Int, trial: Int, dimensions: LlamaDimensions,
        layers: Set<Int>? = nil, threads: Int = 1
    ) throws(ConfigError) {
        try Self.validate(config, dimensions: dimensions, layers: layers)
        let chosen = layers ?? Set(0..<dimensions.layers)
        self.layers = chosen
        self.threads = max(threads, 1)
        headDim = dimensions.headDim
        quantizers = (0..<dimensions.layers).map { layer in
            guard chosen.contains(layer) else { return nil }
            return (0..<dimensions.kvHeads).map { head in
                let pair = engine.quantizers(
                    config, seed: seed, trial: trial, scope: StreamScope(layer: layer, head: head))
                return HeadQuantizers(key: pair.key, value: pair.value)
            }
        }
    }

    /// Checks the switches that a model-level trial uses against the model.
    private static func validate(_ config: TrialConfig, dimensions: LlamaDimensions, layers: Set<Int>?)
        throws(ConfigError)
    {
        if let bad = layers?.sorted().first(where: { !(0..<dimensions.layers).contains($0) }) {
            throw ConfigError(
                key: "layers",
                message: "layer \(bad) is out of range 0…\(dimensions.layers - 1) (the model has \(dimensions.layers))")
        }
        guard config.dim == dimensions.headDim else {
            throw ConfigError(
                key: "dim", message: "\(config.dim) is not the model's head dim (\(dimensions.headDim)); set dim to it")
        }
        guard (1...8).contains(config.bits) else {
            throw ConfigError(key: "bits", message: "\(config.bits) is out of range 1…8")
        }
        let dim = config.dim
        guard dim & (dim - 1) != 0 else { return }
        if config.scheme.usesRotation, config.rotation.hadamardRounds > 0 {
            throw ConfigError(
                key: "rotation",
                message:
                    "\(config.rotation.rawValue) needs a power-of-two dim (this model's is \(dim)); use haar or none")
        }
        if config.scheme.usesSketch, config.qjl == .hadamard {
            throw ConfigError(
                key: "qjl",
                message: "hadamard needs a power-of-two dim (this model's is \(dim)); use gaussian or orthogonal")
        }
    }

    /// Replaces every KV head's keys and values of `block` by their reconstructions when its layer is
    /// quantized; leaves other layers' blocks as they are.
    public func transform(_ block: inout LlamaCacheBlock) {
        guard block.layer < quantizers.count, let heads = quantizers[block.layer] else { return }
        let d = headDim
        var results = [[Float]](repeating: [], count: 2 * heads.count)
        let (keys, values) = (block.keys, block.values)
        results.withUnsafeMutableBufferPointer { out in
            FloatKernels.parallelFor(out.count, threads: threads) { job in
                let head = job / 2
                let rows = job % 2 == 0 ? keys[head] : values[head]
                let quantizer = job % 2 == 0 ? heads[head].key : heads[head].value
                let x = Matrix(rows: rows.count / d, cols: d, storage: rows.lazy.map(Double.init))
                out[job] = quantizer.reconstruct(x).storage.map(Float.init)
            }
        }
        for head in heads.indices {
            block.keys[head] = results[2 * head]
            block.values[head] = results[2 * head + 1]
        }
    }

    /// Hooks whose cache transform is ``transform(_:)``.
    public var hooks: LlamaHooks {
        LlamaHooks(transformCache: { block in self.transform(&block) })
    }
}

extension LlamaModel {
    /// Runs `tokens` once, exactly, and keeps what model-level trials compare against (see ``ExactModelRun``).
    ///
    /// Only tokens 0…T−2 run (the last token is a target, never an input), with their logits reduced row by row
    /// as they arrive.
    ///
    /// - Parameters:
    ///   - tokens: T ≥ 2 token ids, each in 0..<vocab.
    ///   - threads: worker threads (the numbers do not depend on it).
    /// - Throws: ``ModelLevelError/tooFewTokens(count:)``; ``LlamaError/tokenOutOfRange(token:index:vocab:)``.
    public func exactRun(tokens: [Int], threads: Int = 1) throws -> ExactModelRun {
        guard tokens.count >= 2 else { throw ModelLevelError.tooFewTokens(count: tokens.count) }
        let vocab = dimensions.vocab
        for (index, token) in tokens.enumerated() where token < 0 || token >= vocab {
            throw LlamaError.tokenOutOfRange(token: token, index: index, vocab: vocab)
        }
        let n = tokens.count - 1
        let logSumExp = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        let argmax = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        let nll = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        defer {
            logSumExp.deallocate()
            argmax.deallocate()
            nll.deallocate()
        }
        let logits = try [Float](unsafeUninitializedCapacity: n * vocab) { buffer, initialized in
            let out = buffer
            try forward(tokens: Array(tokens.dropLast()), threads: threads) { positions, rows in
                FloatKernels.parallelFor(positions.count, threads: threads) { r in
                    let p = positions.lowerBound + r
                    let row = UnsafeBufferPointer(rebasing: rows[(r * vocab)..<((r + 1) * vocab)])
                    _ = UnsafeMutableBufferPointer(rebasing: out[(p * vocab)..<((p + 1) * vocab)]).initialize(from: row)
                    let statistics = Self.logSoftmaxStatistics(row)
                    logSumExp[p] = statistics.logSumExp
                    argmax[p] = statistics.argmax
                    nll[p] = statistics.logSumExp - Double(row[tokens[p + 1]])
                }
            }
            initialized = n * vocab
        }
        return ExactModelRun(
            dimensions: dimensions, tokens: tokens, logits: logits, logSumExp: Array(logSumExp), argmax: Array(argmax),
            nll: Array(nll))
    }

    /// Runs the tokens of `exact` with a cache transform (typically ``LlamaCacheQuantizer/transform(_:)``) and
    /// compares its next-token distributions with the exact run's (see ``ModelLevelMetrics``).
    ///
    /// Each row of logits is reduced as it arrives (log-sum-exp and argmax as in
    /// ``evaluate(tokens:threads:hooks:)``, then the KL against the exact row and the NLL of the next token, in
    /// `Double`); the per-position values are kept in arrays and summed in position order, so the result is
    /// bit-identical for any thread count.
    ///
    /// - Parameters:
    ///   - exact: the exact run of this model on the tokens.
    ///   - positions: compare the last P of the T − 1 positions that predict a next token; nil = all.
    ///   - threads: worker threads.
    ///   - transform: the cache transform every layer's new keys and values go through.
    /// - Throws: ``ConfigError`` (key `positions`) for P outside 1…T−1; ``ModelLevelError/exactRunMismatch``
    ///   when `exact` comes from a model of other dimensions; whatever the forward pass or `transform` throws.
    public func quantizedRun(
        exact: ExactModelRun, positions: Int? = nil, threads: Int = 1,
        transform: @escaping (inout LlamaCacheBlock) throws -> Void
    ) throws -> ModelLevelMetrics {
        let first = try Self.firstCompared(exact: exact, positions: positions)
        guard exact.dimensions == dimensions else { throw ModelLevelError.exactRunMismatch }
        let n = exact.positionCount
        let count = n - first
        let vocab = dimensions.vocab
        let kl = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        let nllDelta = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        let agree = UnsafeMutableBufferPointer<Bool>.allocate(capacity: count)
        defer {
            kl.deallocate()
            nllDelta.deallocate()
            agree.deallocate()
        }
        try exact.logits.withUnsafeBufferPointer { buffer in
            let exactLogits = buffer
            try forward(
                tokens: Array(exact.tokens.dropLast()), threads: threads, hooks: LlamaHooks(transformCache: transform)
            ) { positions, rows in
                FloatKernels.parallelFor(positions.count, threads: threads) { r in
                    let p = positions.lowerBound + r
                    guard p >= first else { return }
                    let row = UnsafeBufferPointer(rebasing: rows[(r * vocab)..<((r + 1) * vocab)])
                    let reference = UnsafeBufferPointer(rebasing: exactLogits[(p * vocab)..<((p + 1) * vocab)])
                    let statistics = Self.logSoftmaxStatistics(row)
                    let exactLogSumExp = exact.logSumExp[p]
                    var sum = 0.0
                    for i in 0..<vocab {
                        let a = Double(reference[i]) - exactLogSumExp
                        let b = Double(row[i]) - statistics.logSumExp
                        sum += Elementary.exp(a) * (a - b)
                    }
                    kl[p - first] = sum
                    let nll = statistics.logSumExp - Double(row[exact.tokens[p + 1]])
                    nllDelta[p - first] = nll - exact.nll[p]
                    agree[p - first] = statistics.argmax == exact.argmax[p]
                }
            }
        }
        let meanDelta = nllDelta.reduce(0, +) / Double(count)
        return ModelLevelMetrics(
            nextKL: kl.reduce(0, +) / Double(count), pplRatio: Elementary.exp(meanDelta), nllDelta: meanDelta,
            nextTop1Agree: Double(agree.count { $0 }) / Double(count))
    }

    /// One model-level trial: the quantizers of trial `trial` of (config, seed) on the caches of `layers`
    /// (``LlamaCacheQuantizer``), then ``quantizedRun(exact:positions:threads:transform:)``.
    ///
    /// - Parameters:
    ///   - exact: the exact run of this model on the tokens.
    ///   - engine: the engine whose codebook cache the quantizers use.
    ///   - config: the quantizer switches (`dim` = the model's head dim).
    ///   - seed: the run's seed.
    ///   - trial: the trial index.
    ///   - layers: the layers whose caches are quantized; nil = all.
    ///   - positions: compare the last P positions; nil = all T − 1.
    ///   - threads: worker threads (the numbers do not depend on it).
    /// - Throws: as ``LlamaCacheQuantizer/init(engine:config:seed:trial:dimensions:layers:threads:)`` and
    ///   ``quantizedRun(exact:positions:threads:transform:)``.
    public func modelLevelTrial(
        exact: ExactModelRun, engine: TrialEngine, config: TrialConfig, seed: Int, trial: Int,
        layers: Set<Int>? = nil, positions: Int? = nil, threads: Int = 1
    ) throws -> ModelLevelMetrics {
        _ = try Self.firstCompared(exact: exact, positions: positions)
        let quantizer = try LlamaCacheQuantizer(
            engine: engine, config: config, seed: seed, trial: trial, dimensions: dimensions, layers: layers,
            threads: threads)
        return try quantizedRun(exact: exact, positions: positions, threads: threads, transform: quantizer.transform)
    }

    /// The first compared position: T − 1 − P, after checking P against 1…T−1.
    static func firstCompared(exact: ExactModelRun, positions: Int?) throws(ConfigError) -> Int {
        let n = exact.positionCount
        guard let positions else { return 0 }
        guard (1...n).contains(positions) else {
            throw ConfigError(
                key: "positions",
                message:
                    "\(positions) is out of range 1…\(n) (the last P of the \(n) positions that predict a next token)")
        }
        return n - positions
    }
}
