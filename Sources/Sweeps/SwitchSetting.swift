import Quantization

/// One switch set to one value, as written in a spec (`fixed`, a grid list entry or an `exclude` entry).
///
/// `rank(nil)` is the spec value `full` (rank = dim); `layer(nil)` and `head(nil)` are `all` (every layer or
/// KV head of the dataset); `source` holds a dataset's name, resolved to its content hash at expansion.
public enum SwitchSetting: Sendable, Hashable {
    case scheme(Scheme)
    case bits(Int)
    case distribution(Distribution)
    case rank(Int?)
    case mixing(Mixing)
    case noise(Double)
    case outliers(Int)
    case outlierScale(Double)
    case dim(Int)
    case tokens(Int)
    case queries(Int)
    case logitScale(Double)
    case rotation(RotationKind)
    case qjl(QJLKind)
    case codebook(CodebookLaw)
    case baseline(Baseline)
    case norms(NormPrecision)
    case source(String)
    case layer(Int?)
    case head(Int?)
    /// A registered model's name, resolved to its SHA-256 at expansion.
    case model(String)
    /// A stored text's or dataset's name, resolved to the SHA-256 of its token ids at expansion.
    case text(String)
    /// The last P predictions (nil: `all`).
    case positions(Int?)
    /// The quantized layers (nil: `all`).
    case layers(LayerSelection?)

    /// The switch this setting sets.
    public var name: SwitchName {
        switch self {
        case .scheme: return .scheme
        case .bits: return .bits
        case .distribution: return .distribution
        case .rank: return .rank
        case .mixing: return .mixing
        case .noise: return .noise
        case .outliers: return .outliers
        case .outlierScale: return .outlierScale
        case .dim: return .dim
        case .tokens: return .tokens
        case .queries: return .queries
        case .logitScale: return .logitScale
        case .rotation: return .rotation
        case .qjl: return .qjl
        case .codebook: return .codebook
        case .baseline: return .baseline
        case .norms: return .norms
        case .source: return .source
        case .layer: return .layer
        case .head: return .head
        case .model: return .model
        case .text: return .text
        case .positions: return .positions
        case .layers: return .layers
        }
    }

    /// The value as it would be written in a spec (`KQV`, `4`, `0.1`, `full`, `kv-beta`).
    public var valueText: String {
        switch self {
        case .scheme(let v): return v.rawValue
        case .distribution(let v): return v.rawValue
        case .mixing(let v): return v.rawValue
        case .rotation(let v): return v.rawValue
        case .qjl(let v): return v.rawValue
        case .codebook(let v): return v.rawValue
        case .baseline(let v): return v.rawValue
        case .norms(let v): return v.rawValue
        case .rank(let v): return v.map { "\($0)" } ?? "full"
        case .bits(let v), .outliers(let v), .dim(let v), .tokens(let v), .queries(let v): return "\(v)"
        case .noise(let v), .outlierScale(let v), .logitScale(let v): return "\(v)"
        case .source(let v): return v
        case .layer(let v), .head(let v), .positions(let v): return v.map { "\($0)" } ?? "all"
        case .model(let v), .text(let v): return v
        case .layers(let v): return v?.description ?? "all"
        }
    }

    /// Sets this switch in a requested config; the dataset switches (whose values need the dataset's
    /// manifest) go to `dataset`.
    ///
    /// - Parameters:
    ///   - config: the config to change.
    ///   - dataset: the requested dataset, layer and head.
    func apply(to config: inout TrialConfig, dataset: inout DatasetRequest) {
        switch self {
        case .scheme(let v): config.scheme = v
        case .bits(let v): config.bits = v
        case .distribution(let v): config.distribution = v
        case .rank(let v): config.rank = v
        case .mixing(let v): config.mixing = v
        case .noise(let v): config.noise = v
        case .outliers(let v): config.outliers = v
        case .outlierScale(let v): config.outlierScale = v
        case .dim(let v): config.dim = v
        case .tokens(let v): config.tokens = v
        case .queries(let v): config.queries = v
        case .logitScale(let v): config.logitScale = v
        case .rotation(let v): config.rotation = v
        case .qjl(let v): config.qjl = v
        case .codebook(let v): config.codebook = v
        case .baseline(let v): config.baseline = v
        case .norms(let v): config.norms = v
        case .source(let v): dataset.name = v
        case .layer(let v): dataset.layer = v
        case .head(let v): dataset.head = v
        case .model(let v): dataset.model = v
        case .text(let v): dataset.text = v
        case .positions(let v): config.positions = v
        case .layers(let v): dataset.layers = v
        }
    }

    /// Whether a resolved config has this value (the `exclude` test).
    ///
    /// A switch that does not apply to the config's scheme (nil in the resolved config) matches nothing, so
    /// `{rotation: none}` never drops a KV config. `rank: full` matches configs whose rank equals their dim;
    /// `positions: T − 1` and `layers` naming a model's every layer match configs that store them as all.
    ///
    /// - Parameters:
    ///   - config: a resolved config.
    ///   - datasets: the database's datasets (a `source` setting names one).
    /// - Returns: true when the resolved value equals this setting's value.
    public func matches(_ config: ResolvedConfig, datasets: DatasetCatalog = .empty) -> Bool {
        switch self {
        case .scheme(let v): return config.scheme == v
        case .bits(let v): return config.bits == v
        case .distribution(let v): return config.distribution == v
        case .rank(let v): return config.rank == (v ?? config.dim)
        case .mixing(let v): return config.mixing == v
        case .noise(let v): return config.noise == v
        case .outliers(let v): return config.outliers == v
        case .outlierScale(let v): return config.outlierScale == v
        case .dim(let v): return config.dim == v
        case .tokens(let v): return config.tokens == v
        case .queries(let v): return config.queries == v
        case .logitScale(let v): return config.logitScale == v
        case .rotation(let v): return config.rotation == v
        case .qjl(let v): return config.qjl == v
        case .codebook(let v): return config.codebook == v
        case .baseline(let v): return config.baseline == v
        case .norms(let v): return config.norms == v
        case .source(let v): return config.source != nil && datasets[v]?.contentHash == config.source
        case .layer(let v): return config.layer != nil && (v == nil || config.layer == v)
        case .head(let v): return config.head != nil && (v == nil || config.head == v)
        case .model(let v): return config.model != nil && datasets.model(named: v)?.sha256 == config.model
        case .text(let v): return config.text != nil && datasets.text(named: v)?.sha256 == config.text
        // As the expansion stores them: T − 1 positions and a model's full layer range are nil (all).
        case .positions(let v): return config.model != nil && config.positions == (v == config.tokens - 1 ? nil : v)
        case .layers(let v):
            guard let model = config.model else { return false }
            let all = v.map { v in datasets.model(sha256: model).map { v.isAll(of: $0.layers) } ?? false } ?? true
            return config.layers == (all ? nil : v?.description)
        }
    }
}

/// The dataset switches of one grid combination before expansion: the dataset's name, and a layer and KV
/// head each (nil: every one of the dataset).
struct DatasetRequest: Hashable {
    var name: String?
    var layer: Int?
    var head: Int?
    /// Model level: the model's and the text's names, and the quantized layers (nil: all).
    var model: String?
    var text: String?
    var layers: LayerSelection?
}

extension SwitchSetting: CustomStringConvertible {
    /// `name: value`, as in a spec.
    public var description: String { "\(name.rawValue): \(valueText)" }
}
