/// Every switch of SCIENCE.md, as requested (before resolution).
///
/// Defaults are those of SCIENCE.md. `rank == nil` means full rank (= `dim`). Use ``validate()`` before
/// running and ``resolved`` to get the identity of the config (non-applicable switches set to nil).
public struct TrialConfig: Sendable, Hashable, Codable {
    public var scheme: Scheme = .KQV
    public var bits: Int = 4
    public var distribution: Distribution = .gaussian
    public var rank: Int? = nil
    public var mixing: Mixing = .dense
    public var noise: Double = 0.1
    public var outliers: Int = 0
    public var outlierScale: Double = 10
    public var dim: Int = 128
    public var tokens: Int = 1024
    public var queries: Int = 64
    public var logitScale: Double = 1
    public var rotation: RotationKind = .wht3
    public var qjl: QJLKind = .gaussian
    public var codebook: CodebookLaw = .beta
    public var baseline: Baseline = .kvBeta
    public var norms: NormPrecision = .f32

    /// A config with every switch at its SCIENCE.md default.
    public init() {}

    /// The effective rank: `rank`, or `dim` when unset.
    public var effectiveRank: Int { rank ?? dim }

    /// Checks every switch against its allowed range.
    ///
    /// - Throws: ``ConfigError`` naming the first switch out of range and what is allowed.
    public func validate() throws(ConfigError) {
        guard (1...8).contains(bits) else {
            throw ConfigError(key: "bits", message: "\(bits) is out of range 1…8")
        }
        guard dim >= 16, dim <= 4096, dim & (dim - 1) == 0 else {
            throw ConfigError(key: "dim", message: "\(dim) is not a power of two in 16…4096")
        }
        if let rank {
            guard rank >= 1, rank <= dim else {
                throw ConfigError(key: "rank", message: "\(rank) is out of range 1…dim (\(dim))")
            }
        }
        guard noise.isFinite, noise >= 0 else {
            throw ConfigError(key: "noise", message: "\(noise) must be a finite number ≥ 0")
        }
        guard outliers >= 0, outliers <= dim else {
            throw ConfigError(key: "outliers", message: "\(outliers) is out of range 0…dim (\(dim))")
        }
        guard outlierScale.isFinite, outlierScale > 0 else {
            throw ConfigError(key: "outlier_scale", message: "\(outlierScale) must be a finite number > 0")
        }
        guard tokens >= 1, tokens <= 1 << 20 else {
            throw ConfigError(key: "tokens", message: "\(tokens) is out of range 1…1048576")
        }
        guard queries >= 1, queries <= 1 << 16 else {
            throw ConfigError(key: "queries", message: "\(queries) is out of range 1…65536")
        }
        guard logitScale.isFinite, logitScale > 0 else {
            throw ConfigError(key: "logit_scale", message: "\(logitScale) must be a finite number > 0")
        }
    }

    /// The fully resolved config: the identity of a run, with non-applicable switches set to nil.
    public var resolved: ResolvedConfig { ResolvedConfig(self) }

    /// The switches that determine the synthetic data (and, with `logitScale`, the reference attention).
    public var dataKey: DataKey {
        DataKey(
            distribution: distribution, rank: effectiveRank, mixing: mixing, noise: noise,
            outliers: outliers, outlierScale: outliers > 0 ? outlierScale : 0, dim: dim, tokens: tokens,
            queries: queries, logitScale: logitScale)
    }
}

/// The data switches of a config: two configs with the same key see the same K, V and queries for a given
/// (seed, trial), whatever their scheme, budget or quantizer switches.
public struct DataKey: Sendable, Hashable {
    public var distribution: Distribution
    public var rank: Int
    public var mixing: Mixing
    public var noise: Double
    public var outliers: Int
    public var outlierScale: Double
    public var dim: Int
    public var tokens: Int
    public var queries: Int
    public var logitScale: Double
}

/// A switch value that is out of range.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The switch name (snake_case, as in SCIENCE.md).
    public var key: String
    /// What is wrong and what is allowed.
    public var message: String

    /// Creates an error for one switch.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}
