/// The data and reference attention of one (data switches, seed, trial), shared by every scheme and
/// budget evaluated on it.
public struct PreparedTrial: Sendable {
    /// The data switches.
    public let key: DataKey
    /// The run's seed.
    public let seed: Int
    /// The trial index.
    public let trial: Int
    /// K, V and queries.
    public let data: TrialData
    /// The exact attention.
    public let reference: ReferenceAttention

    /// Generates the synthetic data of `key` and the reference attention.
    ///
    /// - Precondition: `key` is synthetic (no source); captured data come through
    ///   ``init(key:data:seed:trial:)``.
    public init(key: DataKey, seed: Int, trial: Int) {
        precondition(key.source == nil, "captured data must be materialised by their data source")
        self.init(
            key: key, data: SyntheticSource(key: key).trialData(seed: seed, trial: trial), seed: seed, trial: trial)
    }

    /// Prepares inputs that a data source materialised, and computes their reference attention.
    ///
    /// - Parameters:
    ///   - key: the data switches the configs evaluated on it carry.
    ///   - data: K, V, queries and causal prefix lengths (``TrialDataSource/trialData(seed:trial:)``).
    ///   - seed: the run's seed.
    ///   - trial: the trial index.
    public init(key: DataKey, data: TrialData, seed: Int, trial: Int) {
        self.init(
            key: key, data: data, reference: ReferenceAttention(data: data, logitScale: key.logitScale), seed: seed,
            trial: trial)
    }

    /// Prepared inputs whose reference attention is already known (inputs that are the same for every trial,
    /// such as a dataset's, compute it once).
    ///
    /// - Precondition: `reference` is the exact attention of `data` at `key.logitScale`.
    public init(key: DataKey, data: TrialData, reference: ReferenceAttention, seed: Int, trial: Int) {
        self.key = key
        self.seed = seed
        self.trial = trial
        self.data = data
        self.reference = reference
    }
}

/// Computes trials. Pure: no I/O, no clock; the only state is the codebook cache passed in.
public struct TrialEngine: Sendable {
    /// The codebook cache shared by every trial this engine computes.
    public let codebooks: CodebookCache

    /// An engine over a codebook cache.
    public init(codebooks: CodebookCache = CodebookCache()) {
        self.codebooks = codebooks
    }

    /// The metrics of trial `trial` of (config, seed).
    ///
    /// - Precondition: `config.validate()` does not throw.
    public func run(_ config: TrialConfig, seed: Int, trial: Int) -> MetricValues {
        evaluate(config, on: PreparedTrial(key: config.dataKey, seed: seed, trial: trial))
    }

    /// The metrics of `config` on prepared data (whose key must equal `config.dataKey`).
    ///
    /// - Complexity: O(tokens · d log d) to quantize with Hadamard rotations (O(tokens · d²) for dense
    ///   ones) plus O(queries · tokens · d) for the attention metrics.
    public func evaluate(_ config: TrialConfig, on prepared: PreparedTrial) -> MetricValues {
        evaluate([config], on: prepared)[0]
    }

    /// The metrics of several configs on the same prepared data (every config's data key must equal
    /// `prepared.key`), in order.
    ///
    /// Work that configs share is done once: R and S (which depend only on seed, trial, role and kind)
    /// and every reconstruction K̂ or V̂ whose quantizer is the same, e.g. V̂ of KQV and QKQV at one budget.
    /// Each result equals ``evaluate(_:on:)`` of that config alone, bit for bit.
    public func evaluate(_ configs: [TrialConfig], on prepared: PreparedTrial) -> [MetricValues] {
        var shared = SharedWork(engine: self, seed: prepared.seed, trial: prepared.trial, scope: prepared.key.scope)
        let quantizers = configs.map { config in
            precondition(prepared.key == config.dataKey, "prepared trial does not match the config's data switches")
            return shared.quantizers(config)
        }
        shared.planUses(quantizers)
        return zip(configs, quantizers).map { config, quantizer in
            let keys = shared.reconstruction(prepared.data.keys, quantizer.key, side: .key)
            let values = shared.reconstruction(prepared.data.values, quantizer.value, side: .value)
            return TrialMetrics.compute(
                data: prepared.data, reference: prepared.reference, keys: keys.matrix, keyErrors: keys.errors,
                values: values.matrix, valueErrors: values.errors, bitsK: quantizer.key.effectiveBits(dim: config.dim),
                bitsV: quantizer.value.effectiveBits(dim: config.dim))
        }
    }

    /// The K and V quantizers of a config for one (seed, trial): R and S depend only on seed, trial,
    /// role and kind (and, for a real model's cache, its (layer, head) scope), so every scheme and budget
    /// sees the same ones. Model-level evaluation calls this per (layer, KV head) with that scope.
    public func quantizers(_ config: TrialConfig, seed: Int, trial: Int, scope: StreamScope? = nil) -> (
        key: VectorQuantizer, value: VectorQuantizer
    ) {
        var shared = SharedWork(engine: self, seed: seed, trial: trial, scope: scope)
        return shared.quantizers(config)
    }
}

/// What the configs evaluated on one prepared trial share: R and S by (role, kind), and reconstructions
/// by side and quantizer. A reconstruction is kept only while a later config still needs it, so memory
/// stays at the reconstructions that are actually shared, however many configs a batch has.
struct SharedWork {
    enum Side: Hashable { case key, value }

    /// Everything a reconstruction depends on besides the data: switches a recipe does not use are nil,
    /// so that quantizers which differ only there share their result.
    struct QuantizerIdentity: Hashable {
        var side: Side
        var recipe: Recipe
        var bits: Int
        var norms: NormPrecision
        var codebook: CodebookLaw?
        var baseline: Baseline?
        var rotation: RotationKind?
        var qjl: QJLKind?

        init(_ q: VectorQuantizer, side: Side) {
            self.side = side
            recipe = q.recipe
            bits = q.bits
            norms = q.norms
            codebook = q.codebook?.law
            baseline = q.recipe == .baseline ? q.baseline : nil
            rotation = q.rotation?.kind
            qjl = q.sketch?.kind
        }
    }

    struct SketchIdentity: Hashable {
        var role: StreamRole
        var kind: QJLKind
    }

    struct RotationIdentity: Hashable {
        var role: StreamRole
        var kind: RotationKind
    }

    let engine: TrialEngine
    let seed: Int
    let trial: Int
    /// The (layer, head) of captured data, nil for synthetic data.
    let scope: StreamScope?
    var rotations: [RotationIdentity: Rotation] = [:]
    var sketches: [SketchIdentity: QJLSketch] = [:]
    /// A decoded K̂ or V̂ and its geometry against the data (the K and V metrics' inputs).
    typealias Reconstruction = (matrix: Matrix, errors: Geometry.RowErrors)
    var reconstructions: [QuantizerIdentity: Reconstruction] = [:]
    /// Uses still to come per identity (from ``planUses(_:)``); identities not planned count as one use.
    var remainingUses: [QuantizerIdentity: Int] = [:]

    init(engine: TrialEngine, seed: Int, trial: Int, scope: StreamScope?) {
        self.engine = engine
        self.seed = seed
        self.trial = trial
        self.scope = scope
    }

    mutating func quantizers(_ config: TrialConfig) -> (key: VectorQuantizer, value: VectorQuantizer) {
        let recipes = config.scheme.recipes
        return (
            side(recipes.key, config, rotationRole: .keyRotation, sketchRole: .keySketch),
            side(recipes.value, config, rotationRole: .valueRotation, sketchRole: .valueSketch)
        )
    }

    /// Counts how often each reconstruction will be asked for.
    mutating func planUses(_ quantizers: [(key: VectorQuantizer, value: VectorQuantizer)]) {
        for q in quantizers {
            remainingUses[QuantizerIdentity(q.key, side: .key), default: 0] += 1
            remainingUses[QuantizerIdentity(q.value, side: .value), default: 0] += 1
        }
    }

    /// The reconstruction of x by `quantizer`, with its geometry: computed once, kept until its last planned use.
    mutating func reconstruction(_ x: Matrix, _ quantizer: VectorQuantizer, side: Side) -> Reconstruction {
        let identity = QuantizerIdentity(quantizer, side: side)
        let left = (remainingUses[identity] ?? 1) - 1
        remainingUses[identity] = left
        if let done = reconstructions[identity] {
            if left <= 0 { reconstructions[identity] = nil }
            return done
        }
        let decoded = quantizer.reconstruct(x)
        let result = (matrix: decoded, errors: Geometry.rowErrors(x, decoded))
        if left > 0 { reconstructions[identity] = result }
        return result
    }

    /// The cached value for `key`, made and stored on first use.
    private static func cached<Key: Hashable, Value>(
        _ cache: inout [Key: Value], _ key: Key, _ make: () -> Value
    ) -> Value {
        if let value = cache[key] { return value }
        let value = make()
        cache[key] = value
        return value
    }

    private mutating func side(
        _ recipe: Recipe, _ config: TrialConfig, rotationRole: StreamRole, sketchRole: StreamRole
    ) -> VectorQuantizer {
        let (seed, trial, dim, scope) = (seed, trial, config.dim, scope)
        let rotation =
            recipe.usesRotation
            ? Self.cached(&rotations, RotationIdentity(role: rotationRole, kind: config.rotation)) {
                Rotation(
                    kind: config.rotation, dim: dim,
                    stream: RandomStream(seed: seed, trial: trial, role: rotationRole, scope: scope))
            } : nil
        let sketch =
            recipe.usesSketch
            ? Self.cached(&sketches, SketchIdentity(role: sketchRole, kind: config.qjl)) {
                QJLSketch(
                    kind: config.qjl, dim: dim,
                    stream: RandomStream(seed: seed, trial: trial, role: sketchRole, scope: scope))
            } : nil
        return VectorQuantizer(
            recipe: recipe, config: config, rotation: rotation, sketch: sketch, codebooks: engine.codebooks)
    }
}
