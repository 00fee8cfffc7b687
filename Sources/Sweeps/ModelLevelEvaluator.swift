import ExperimentStore
import Models
import Quantization
import Synchronization

/// Computes model-level trials (a real model run on quantized caches) for the sweep executor.
///
/// It is its own evaluator, not a data source: layer ℓ + 1's keys and values depend on layer ℓ's
/// quantization. Each registered model is opened once per process (its file's SHA-256 checked against the
/// registration: a changed file is refused), and the exact run of each (model, text, tokens) is computed
/// once and kept in memory (the last two), so every scheme, budget, seed and trial on it costs one
/// quantized forward pass. Every number is a pure function of (config, seed, trial): thread counts and
/// the order trials run in change nothing.
public final class ModelLevelEvaluator: Sendable {
    struct ExactKey: Hashable {
        var model: String
        var text: String
        var tokens: Int
    }

    struct State {
        var models: [String: RegisteredModel] = [:]
        var exact: [(key: ExactKey, run: ExactModelRun)] = []
    }

    /// The most exact runs kept (each holds T × vocab float logits: about 100 MB for 512 tokens of
    /// SmolLM2).
    static let keptExactRuns = 2

    private let store: Store
    private let engine: TrialEngine
    private let exactThreads: Int
    /// Held while a model is opened or an exact run computed, so concurrent workers do it once.
    private let state = Mutex(State())

    /// An evaluator reading registered models and token ids from `store`.
    ///
    /// - Parameters:
    ///   - store: the database holding the model registrations and texts.
    ///   - engine: the engine whose quantizers (and codebook cache) the trials use.
    ///   - exactThreads: threads for an exact run (the workers that need it wait for it anyway).
    public init(store: Store, engine: TrialEngine, exactThreads: Int = 1) {
        self.store = store
        self.engine = engine
        self.exactThreads = max(1, exactThreads)
    }

    /// The metrics of trial `trial` of a model-level (config, seed): next_kl, ppl_ratio, nll_delta,
    /// next_top1_agree, bits_k and bits_v; the attention metrics are not measured.
    ///
    /// - Throws: ``RegisteredModelError`` for a missing or changed model file, ``ModelLevelEvaluatorError``
    ///   for a model or text the database does not hold, and whatever the forward pass throws.
    public func metrics(_ config: TrialConfig, seed: Int, trial: Int) throws -> MetricValues {
        guard let modelHash = config.model, let textHash = config.text else {
            throw ModelLevelEvaluatorError.notModelLevel
        }
        let (model, exact) = try prepared(ExactKey(model: modelHash, text: textHash, tokens: config.tokens))
        let layers = config.layers.flatMap { LayerSelection(parsing: $0) }.map { Set($0.layers) }
        let result = try model.model.modelLevelTrial(
            exact: exact, engine: engine, config: config, seed: seed, trial: trial, layers: layers,
            positions: config.positions, threads: 1)
        let quantizers = engine.quantizers(config, seed: seed, trial: trial)
        var values = MetricValues(measuring: .model)
        values[.nextKL] = result.nextKL
        values[.pplRatio] = result.pplRatio
        values[.nllDelta] = result.nllDelta
        values[.nextTop1Agree] = result.nextTop1Agree
        values[.bitsK] = quantizers.key.effectiveBits(dim: config.dim)
        values[.bitsV] = quantizers.value.effectiveBits(dim: config.dim)
        return values
    }

    /// The opened model and the exact run of a key, made on first use.
    private func prepared(_ key: ExactKey) throws -> (RegisteredModel, ExactModelRun) {
        try state.withLock { state in
            let model: RegisteredModel
            if let open = state.models[key.model] {
                model = open
            } else {
                guard let record = try store.read({ db in try Store.model(sha256: key.model, in: db) }) else {
                    throw ModelLevelEvaluatorError.unknownModel(sha256: key.model)
                }
                model = try RegisteredModel.open(record)
                state.models[key.model] = model
            }
            if let kept = state.exact.first(where: { $0.key == key }) { return (model, kept.run) }
            guard let ids = try store.read({ db in try Store.tokenIDs(sha256: key.text, in: db) }) else {
                throw ModelLevelEvaluatorError.unknownText(sha256: key.text)
            }
            guard ids.count >= key.tokens else {
                throw ModelLevelEvaluatorError.shortText(sha256: key.text, has: ids.count, needed: key.tokens)
            }
            let run = try model.model.exactRun(tokens: ids.prefix(key.tokens).map { Int($0) }, threads: exactThreads)
            state.exact.append((key, run))
            if state.exact.count > Self.keptExactRuns { state.exact.removeFirst() }
            return (model, run)
        }
    }
}

/// Why a model-level trial cannot be computed from what the database holds.
public enum ModelLevelEvaluatorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The config has no model (a programming error of the caller).
    case notModelLevel
    /// No registered model has this hash.
    case unknownModel(sha256: String)
    /// No stored text or dataset has token ids with this hash.
    case unknownText(sha256: String)
    /// The text is shorter than the config's tokens.
    case shortText(sha256: String, has: Int, needed: Int)

    public var description: String {
        switch self {
        case .notModelLevel: return "not a model-level config"
        case .unknownModel(let hash):
            return "no model with SHA-256 \(hash) is registered in this database; register it with "
                + "`kvlab model add PATH --name NAME` (or run with --datasets-from a database that has it)"
        case .unknownText(let hash):
            return "no text or dataset with token ids of SHA-256 \(hash) is stored in this database; store it with "
                + "`kvlab text add` (or run with --datasets-from a database that has it)"
        case .shortText(let hash, let has, let needed):
            return "the text \(hash) has \(has) tokens, fewer than the \(needed) the config reads"
        }
    }
}
