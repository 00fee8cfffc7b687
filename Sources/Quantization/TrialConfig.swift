/// A config: every switch of docs/science.md (``SwitchRegistry`` declares them), the one type the engine, the
/// sweeps and the store share.
///
/// Defaults are those of docs/science.md. `rank == nil` means full rank (= `dim`). Use ``validate()`` before
/// running and ``resolved`` for the canonical form whose ``switchValues`` are the config's identity
/// (non-applicable switches null).
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
    /// Captured data: the content hash of the dataset (nil: the synthetic generator). With a source, the
    /// generator's switches (distribution, rank, mixing, noise, outliers, outlier_scale) do not apply,
    /// `dim` is the dataset's head dim, `tokens` the cached prefix N and `queries` the last Q positions.
    public var source: String? = nil
    /// The dataset's layer (captured data only).
    public var layer: Int? = nil
    /// The dataset's KV head (captured data only).
    public var head: Int? = nil
    /// Model level: the SHA-256 of the model's GGUF file (nil: attention level). With a model, `text` names
    /// the token sequence, `tokens` is its length T, `dim` the model's head dim; the generator's switches,
    /// `source`, `layer`, `head`, `queries` and `logit_scale` do not apply.
    public var model: String? = nil
    /// Model level: the SHA-256 of the text's token ids (little-endian uint32).
    public var text: String? = nil
    /// Model level: compare the last P of the T − 1 next-token predictions (nil: all of them).
    public var positions: Int? = nil
    /// Model level: the layers that read quantized caches, normalised by ``LayerSelection`` (nil: all).
    public var layers: String? = nil

    /// A config with every switch at its docs/science.md default.
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
        if let model {
            try validateModelLevel(model: model)
            return
        }
        if let source {
            try validateCaptured(source: source)
        } else {
            try validateSynthetic()
        }
        guard tokens >= 1, tokens <= 1 << 20 else {
            throw ConfigError(key: "tokens", message: "\(tokens) is out of range 1…1048576")
        }
        guard queries >= 1, queries <= 1 << 16 else {
            throw ConfigError(key: "queries", message: "\(queries) is out of range 1…65536")
        }
        if source != nil, queries > tokens {
            throw ConfigError(
                key: "queries",
                message:
                    "\(queries) is more than tokens (\(tokens)): the queries are the last Q of the N cached positions")
        }
        guard logitScale.isFinite, logitScale > 0 else {
            throw ConfigError(key: "logit_scale", message: "\(logitScale) must be a finite number > 0")
        }
    }

    /// The checks of a model-level config: a model and a text hash, T ≥ 2, positions in 1…T − 1, a
    /// normalised layer selection, and a power-of-two head dim where a Hadamard transform needs one.
    private func validateModelLevel(model: String) throws(ConfigError) {
        try Self.checkHash(model, key: "model", what: "a model's SHA-256")
        guard let text else { throw ConfigError(key: "text", message: "a model-level config needs a text") }
        try Self.checkHash(text, key: "text", what: "the SHA-256 of a text's token ids")
        if source != nil || layer != nil || head != nil {
            let key = source != nil ? "source" : layer != nil ? "layer" : "head"
            throw ConfigError(
                key: key, message: "does not apply to model-level runs (every layer and head is quantized)")
        }
        guard tokens >= 2, tokens <= 1 << 20 else {
            throw ConfigError(key: "tokens", message: "\(tokens) is out of range 2…1048576 for a model-level run")
        }
        if let positions, positions < 1 || positions > tokens - 1 {
            throw ConfigError(
                key: "positions", message: "\(positions) is out of range 1…\(tokens - 1) (the T − 1 predictions)")
        }
        if let layers {
            guard let parsed = LayerSelection(parsing: layers), parsed.description == layers else {
                throw ConfigError(
                    key: "layers", message: "\(layers) is not a normalised layer list such as 0-9 or 0,4-7")
            }
        }
        try validateQuantizerDim(source: "this model's")
    }

    private static func checkHash(_ value: String, key: String, what: String) throws(ConfigError) {
        guard value.utf8.count == 64, value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { throw ConfigError(key: key, message: "\(value) is not \(what) (64 lowercase hex digits)") }
    }

    /// The checks of the generator's switches (synthetic data).
    private func validateSynthetic() throws(ConfigError) {
        if positions != nil || layers != nil || text != nil {
            let key = positions != nil ? "positions" : layers != nil ? "layers" : "text"
            throw ConfigError(key: key, message: "applies only to model-level runs (set model)")
        }
        if layer != nil || head != nil {
            throw ConfigError(
                key: layer != nil ? "layer" : "head", message: "applies only to captured data (set source to a dataset)"
            )
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
    }

    /// The checks of captured data: a dataset hash, its layer and head, any head dim ≥ 2, and rotations and
    /// sketches that exist at that dim (Hadamard ones need a power of two: no silent replacement).
    private func validateCaptured(source: String) throws(ConfigError) {
        try Self.checkHash(source, key: "source", what: "a dataset content hash")
        if text != nil || positions != nil || layers != nil {
            let key = text != nil ? "text" : positions != nil ? "positions" : "layers"
            throw ConfigError(key: key, message: "applies only to model-level runs (set model)")
        }
        guard let layer, layer >= 0, layer < 1 << 20 else {
            throw ConfigError(key: "layer", message: "captured data needs a layer in 0…1048575")
        }
        guard let head, head >= 0, head < 1 << 20 else {
            throw ConfigError(key: "head", message: "captured data needs a KV head in 0…1048575")
        }
        try validateQuantizerDim(source: "this dataset's")
    }

    /// The head dim of real data (any d in 2…4096), and rotations and sketches that exist at that dim
    /// (Hadamard ones need a power of two: no silent replacement).
    private func validateQuantizerDim(source: String) throws(ConfigError) {
        guard dim >= 2, dim <= 4096 else {
            throw ConfigError(key: "dim", message: "\(dim) is out of range 2…4096")
        }
        guard dim & (dim - 1) != 0 else { return }
        if scheme.usesRotation, rotation.hadamardRounds > 0 {
            throw ConfigError(
                key: "rotation",
                message: "\(rotation.rawValue) needs a power-of-two dim (\(source) is \(dim)); use haar or none")
        }
        if scheme.usesSketch, qjl == .hadamard {
            throw ConfigError(
                key: "qjl",
                message: "hadamard needs a power-of-two dim (\(source) is \(dim)); use gaussian or orthogonal")
        }
    }

    /// The switches that determine the synthetic data (and, with `logitScale`, the reference attention).
    ///
    /// For captured data the generator's switches do not apply and are held at fixed values; the source,
    /// layer and head tell the data apart instead.
    public var dataKey: DataKey {
        guard let source else {
            return DataKey(
                distribution: distribution, rank: effectiveRank, mixing: mixing, noise: noise,
                outliers: outliers, outlierScale: outliers > 0 ? outlierScale : 0, dim: dim, tokens: tokens,
                queries: queries, logitScale: logitScale)
        }
        var key = DataKey(
            distribution: .gaussian, rank: dim, mixing: .dense, noise: 0, outliers: 0, outlierScale: 0, dim: dim,
            tokens: tokens, queries: queries, logitScale: logitScale)
        key.source = source
        key.layer = layer
        key.head = head
        return key
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
    /// The dataset's content hash, for captured data (nil: synthetic).
    public var source: String? = nil
    /// The dataset's layer, for captured data.
    public var layer: Int? = nil
    /// The dataset's KV head, for captured data.
    public var head: Int? = nil

    /// The (layer, head) the quantizers' random streams belong to: nil for synthetic data, whose streams
    /// are keyed by (seed, trial, role) alone.
    public var scope: StreamScope? {
        guard source != nil, let layer, let head else { return nil }
        return StreamScope(layer: layer, head: head)
    }
}

/// A switch value that is out of range.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The switch name (snake_case, as in docs/science.md).
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
