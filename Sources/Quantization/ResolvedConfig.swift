/// The fully resolved config: every switch, with those that do not apply to the scheme set to nil.
///
/// This is the identity of a config (its canonical JSON is hashed by the store). `rank` is always
/// explicit; `outlierScale` is nil when `outliers == 0` (it changes nothing then); `rotation` and `qjl`
/// apply to KQV and QKQV; `baseline` to KV; `codebook` to all but KV with kv-uniform.
public struct ResolvedConfig: Sendable, Hashable {
    public var scheme: Scheme
    public var bits: Int
    public var distribution: Distribution
    public var rank: Int
    public var mixing: Mixing
    public var noise: Double
    public var outliers: Int
    public var outlierScale: Double?
    public var dim: Int
    public var tokens: Int
    public var queries: Int
    public var logitScale: Double
    public var rotation: RotationKind?
    public var qjl: QJLKind?
    public var codebook: CodebookLaw?
    public var baseline: Baseline?
    public var norms: NormPrecision

    /// Resolves a requested config.
    ///
    /// - Parameter config: the requested switches.
    public init(_ config: TrialConfig) {
        scheme = config.scheme
        bits = config.bits
        distribution = config.distribution
        rank = config.effectiveRank
        mixing = config.mixing
        noise = config.noise
        outliers = config.outliers
        outlierScale = config.outliers > 0 ? config.outlierScale : nil
        dim = config.dim
        tokens = config.tokens
        queries = config.queries
        logitScale = config.logitScale
        norms = config.norms
        let rotated = config.scheme != .KV
        rotation = rotated ? config.rotation : nil
        qjl = rotated ? config.qjl : nil
        baseline = rotated ? nil : config.baseline
        codebook = (config.scheme == .KV && config.baseline == .kvUniform) ? nil : config.codebook
    }

    /// Student-t degrees of freedom of the distribution (derived), nil for other laws.
    public var nu: Int? { distribution.nu }

    /// The requested config this resolves from (non-applicable switches at their defaults).
    public var trialConfig: TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = bits
        c.distribution = distribution
        c.rank = rank
        c.mixing = mixing
        c.noise = noise
        c.outliers = outliers
        c.outlierScale = outlierScale ?? c.outlierScale
        c.dim = dim
        c.tokens = tokens
        c.queries = queries
        c.logitScale = logitScale
        c.rotation = rotation ?? c.rotation
        c.qjl = qjl ?? c.qjl
        c.codebook = codebook ?? c.codebook
        c.baseline = baseline ?? c.baseline
        c.norms = norms
        return c
    }

    /// A switch value as a JSON-like value, keyed by its snake_case name, in a fixed order.
    ///
    /// Non-applicable switches are ``SwitchValue/null``. The store hashes the canonical JSON of this.
    public var switchValues: [(name: String, value: SwitchValue)] {
        [
            ("scheme", .string(scheme.rawValue)),
            ("bits", .int(bits)),
            ("distribution", .string(distribution.rawValue)),
            ("rank", .int(rank)),
            ("mixing", .string(mixing.rawValue)),
            ("noise", .double(noise)),
            ("outliers", .int(outliers)),
            ("outlier_scale", outlierScale.map { .double($0) } ?? .null),
            ("dim", .int(dim)),
            ("tokens", .int(tokens)),
            ("queries", .int(queries)),
            ("logit_scale", .double(logitScale)),
            ("rotation", rotation.map { .string($0.rawValue) } ?? .null),
            ("qjl", qjl.map { .string($0.rawValue) } ?? .null),
            ("codebook", codebook.map { .string($0.rawValue) } ?? .null),
            ("baseline", baseline.map { .string($0.rawValue) } ?? .null),
            ("norms", .string(norms.rawValue)),
        ]
    }
}

/// A JSON scalar value of a switch.
public enum SwitchValue: Sendable, Hashable {
    case null
    case int(Int)
    case double(Double)
    case string(String)
}
