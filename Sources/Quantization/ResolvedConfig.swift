/// The fully resolved config: every switch, with those that do not apply to the scheme set to nil.
///
/// This is the identity of a config (its canonical JSON is hashed by the store). `rank` is always
/// explicit; `outlierScale` is nil when `outliers == 0` (it changes nothing then). Which quantizer
/// switches apply follows from the scheme's recipes, not its name: `rotation` where a side is mse or prod,
/// `qjl` where a side is prod, `baseline` where a side is baseline, `codebook` everywhere except where the
/// only quantizer is the kv-uniform baseline. The generator's switches (distribution, rank, mixing, noise,
/// outliers, outlier_scale) are nil for captured data (a `source`), which in turn has `layer` and `head`.
public struct ResolvedConfig: Sendable, Hashable {
    public var scheme: Scheme
    public var bits: Int
    public var distribution: Distribution?
    public var rank: Int?
    public var mixing: Mixing?
    public var noise: Double?
    public var outliers: Int?
    public var outlierScale: Double?
    public var dim: Int
    public var tokens: Int
    /// nil for model-level runs (every position is predicted).
    public var queries: Int?
    /// nil for model-level runs (the model's own attention).
    public var logitScale: Double?
    public var rotation: RotationKind?
    public var qjl: QJLKind?
    public var codebook: CodebookLaw?
    public var baseline: Baseline?
    public var norms: NormPrecision
    /// The dataset's content hash (nil: synthetic data).
    public var source: String?
    /// The dataset's layer (nil: synthetic data).
    public var layer: Int?
    /// The dataset's KV head (nil: synthetic data).
    public var head: Int?
    /// The model's GGUF SHA-256 (nil: attention level).
    public var model: String?
    /// The SHA-256 of the model-level run's token ids.
    public var text: String?
    /// The last P predictions compared (nil: all T − 1; an explicit T − 1 resolves to nil).
    public var positions: Int?
    /// The quantized layers, normalised (nil: all; the caller stores a full range as nil).
    public var layers: String?

    /// Resolves a requested config.
    ///
    /// - Parameter config: the requested switches.
    public init(_ config: TrialConfig) {
        scheme = config.scheme
        bits = config.bits
        let modelLevel = config.model != nil
        let synthetic = config.source == nil && !modelLevel
        distribution = synthetic ? config.distribution : nil
        rank = synthetic ? config.effectiveRank : nil
        mixing = synthetic ? config.mixing : nil
        noise = synthetic ? config.noise : nil
        outliers = synthetic ? config.outliers : nil
        outlierScale = synthetic && config.outliers > 0 ? config.outlierScale : nil
        source = modelLevel ? nil : config.source
        layer = synthetic || modelLevel ? nil : config.layer
        head = synthetic || modelLevel ? nil : config.head
        model = config.model
        text = modelLevel ? config.text : nil
        positions = modelLevel && config.positions != config.tokens - 1 ? config.positions : nil
        layers = modelLevel ? config.layers : nil
        dim = config.dim
        tokens = config.tokens
        queries = modelLevel ? nil : config.queries
        logitScale = modelLevel ? nil : config.logitScale
        norms = config.norms
        let scheme = config.scheme
        rotation = scheme.usesRotation ? config.rotation : nil
        qjl = scheme.usesSketch ? config.qjl : nil
        baseline = scheme.usesBaseline ? config.baseline : nil
        codebook = (!scheme.usesRotation && config.baseline == .kvUniform) ? nil : config.codebook
    }

    /// Student-t degrees of freedom of the distribution (derived), nil for other laws.
    public var nu: Int? { distribution?.nu }

    /// Whether the config reads a stored dataset (captured data) rather than the synthetic generator.
    public var isCaptured: Bool { source != nil }

    /// Whether the config is a model-level run (a real model on quantized caches).
    public var isModelLevel: Bool { model != nil }

    /// The requested config this resolves from (non-applicable switches at their defaults).
    public var trialConfig: TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = bits
        c.distribution = distribution ?? c.distribution
        c.rank = rank
        c.mixing = mixing ?? c.mixing
        c.noise = noise ?? c.noise
        c.outliers = outliers ?? c.outliers
        c.outlierScale = outlierScale ?? c.outlierScale
        c.source = source
        c.layer = layer
        c.head = head
        c.model = model
        c.text = text
        c.positions = positions
        c.layers = layers
        c.dim = dim
        c.tokens = tokens
        c.queries = queries ?? c.queries
        c.logitScale = logitScale ?? c.logitScale
        c.rotation = rotation ?? c.rotation
        c.qjl = qjl ?? c.qjl
        c.codebook = codebook ?? c.codebook
        c.baseline = baseline ?? c.baseline
        c.norms = norms
        return c
    }

    /// The switches of the first stage, in their fixed order: a config's sweep key lists each of them,
    /// also when it is null. Switches added later appear only where they have a value, so adding one
    /// changes no existing identity, hash or sweep fingerprint (docs/science.md "Switches").
    public static var stageOneSwitches: Set<String> { SwitchRegistry.stageOneNames }

    /// The identity of the config as switch values keyed by snake_case name, in a fixed order.
    ///
    /// Non-applicable switches are ``SwitchValue/null``. The store hashes the canonical JSON of this (nulls
    /// omitted). A shipped scheme is identified by its name (`scheme`); any other scheme by its recipes
    /// (`key_recipe`, `value_recipe`), with `scheme` null: its name is a label (``columnValues``).
    public var switchValues: [(name: String, value: SwitchValue)] {
        let shipped = scheme.isShipped
        return [
            ("scheme", shipped ? .string(scheme.name) : .null),
            ("bits", .int(bits)),
            ("distribution", distribution.map { .string($0.rawValue) } ?? .null),
            ("rank", rank.map { .int($0) } ?? .null),
            ("mixing", mixing.map { .string($0.rawValue) } ?? .null),
            ("noise", noise.map { .double($0) } ?? .null),
            ("outliers", outliers.map { .int($0) } ?? .null),
            ("outlier_scale", outlierScale.map { .double($0) } ?? .null),
            ("dim", .int(dim)),
            ("tokens", .int(tokens)),
            ("queries", queries.map { .int($0) } ?? .null),
            ("logit_scale", logitScale.map { .double($0) } ?? .null),
            ("rotation", rotation.map { .string($0.rawValue) } ?? .null),
            ("qjl", qjl.map { .string($0.rawValue) } ?? .null),
            ("codebook", codebook.map { .string($0.rawValue) } ?? .null),
            ("baseline", baseline.map { .string($0.rawValue) } ?? .null),
            ("norms", .string(norms.rawValue)),
            ("key_recipe", shipped ? .null : .string(scheme.key.rawValue)),
            ("value_recipe", shipped ? .null : .string(scheme.value.rawValue)),
            ("source", source.map { .string($0) } ?? .null),
            ("layer", layer.map { .int($0) } ?? .null),
            ("head", head.map { .int($0) } ?? .null),
            ("model", model.map { .string($0) } ?? .null),
            ("text", text.map { .string($0) } ?? .null),
            ("positions", positions.map { .int($0) } ?? .null),
            ("layers", layers.map { .string($0) } ?? .null),
        ]
    }

    /// The switches as shown to people (`kvlab trial`): the first stage's switches as before (nulls
    /// included), the scheme by name, and later switches only where they have a value (the recipes of a
    /// scheme that is not shipped).
    public var displayValues: [(name: String, value: SwitchValue)] {
        columnValues.compactMap { name, value in
            if name == "key_recipe" || name == "value_recipe" { return scheme.isShipped ? nil : (name, value) }
            if case .null = value, !Self.stageOneSwitches.contains(name) { return nil }
            return (name, value)
        }
    }

    /// The values of the typed columns of the `configs` table: ``switchValues`` with the scheme's name and
    /// both recipes always filled.
    public var columnValues: [(name: String, value: SwitchValue)] {
        switchValues.map { name, value in
            switch name {
            case "scheme": return (name, .string(scheme.name))
            case "key_recipe": return (name, .string(scheme.key.rawValue))
            case "value_recipe": return (name, .string(scheme.value.rawValue))
            default: return (name, value)
            }
        }
    }
}

/// A JSON scalar value of a switch.
public enum SwitchValue: Sendable, Hashable {
    case null
    case int(Int)
    case double(Double)
    case string(String)
}
