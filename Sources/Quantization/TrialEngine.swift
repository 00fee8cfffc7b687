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

    /// Generates the data and the reference attention.
    public init(key: DataKey, seed: Int, trial: Int) {
        self.key = key
        self.seed = seed
        self.trial = trial
        data = TrialData.generate(key, seed: seed, trial: trial)
        reference = ReferenceAttention(data: data, logitScale: key.logitScale)
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
        precondition(prepared.key == config.dataKey, "prepared trial does not match the config's data switches")
        let (keyQuantizer, valueQuantizer) = quantizers(config, seed: prepared.seed, trial: prepared.trial)
        let keys = keyQuantizer.reconstruct(prepared.data.keys)
        let values = valueQuantizer.reconstruct(prepared.data.values)
        return TrialMetrics.compute(
            data: prepared.data, reference: prepared.reference, keys: keys, values: values,
            bitsK: keyQuantizer.effectiveBits(dim: config.dim), bitsV: valueQuantizer.effectiveBits(dim: config.dim))
    }

    /// The K and V quantizers of a config for one (seed, trial): R and S depend only on seed, trial,
    /// role and kind, so every scheme and budget sees the same ones.
    public func quantizers(_ config: TrialConfig, seed: Int, trial: Int) -> (
        key: VectorQuantizer, value: VectorQuantizer
    ) {
        let recipes = config.scheme.recipes
        func side(_ recipe: Recipe, rotationRole: StreamRole, sketchRole: StreamRole) -> VectorQuantizer {
            let rotation =
                recipe.usesRotation
                ? Rotation(
                    kind: config.rotation, dim: config.dim,
                    stream: RandomStream(seed: seed, trial: trial, role: rotationRole)) : nil
            let sketch =
                recipe.usesSketch
                ? QJLSketch(
                    kind: config.qjl, dim: config.dim, stream: RandomStream(seed: seed, trial: trial, role: sketchRole))
                : nil
            return VectorQuantizer(
                recipe: recipe, config: config, rotation: rotation, sketch: sketch, codebooks: codebooks)
        }
        return (
            side(recipes.key, rotationRole: .keyRotation, sketchRole: .keySketch),
            side(recipes.value, rotationRole: .valueRotation, sketchRole: .valueSketch)
        )
    }
}
