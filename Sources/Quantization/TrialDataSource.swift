/// Where the inputs of a trial come from: the seam between the engine and data (synthetic, captured).
///
/// A source materialises K, V, the queries and each query's causal prefix length for one (seed, trial);
/// the engine then quantizes and measures them and stays pure. Sources that read stored data do their I/O
/// outside the engine (the store reads a dataset, then hands the matrices over through this protocol).
public protocol TrialDataSource: Sendable {
    /// The logit scale β of the attention on these inputs (logits = β⟨q, k⟩/√d).
    var logitScale: Double { get }

    /// The inputs of trial `trial` of `seed`: the same numbers for the same arguments, on any thread.
    ///
    /// - Throws: an error of the source when the inputs cannot be produced (e.g. stored data that is
    ///   missing); the synthetic source never throws.
    func trialData(seed: Int, trial: Int) throws -> TrialData

    /// The inputs of a trial with their exact attention, ready for the engine. The default computes the
    /// reference attention of ``trialData(seed:trial:)``; a source whose inputs are the same for every trial
    /// computes it once.
    ///
    /// - Parameter key: the data switches of the configs evaluated on it.
    func prepared(key: DataKey, seed: Int, trial: Int) throws -> PreparedTrial
}

extension TrialDataSource {
    public func prepared(key: DataKey, seed: Int, trial: Int) throws -> PreparedTrial {
        PreparedTrial(key: key, data: try trialData(seed: seed, trial: trial), seed: seed, trial: trial)
    }
}

/// The synthetic generator of docs/science.md "Synthetic data" as a data source: every query reads all tokens.
public struct SyntheticSource: TrialDataSource, Hashable {
    /// The data switches.
    public let key: DataKey

    /// The source of a config's data switches.
    public init(key: DataKey) {
        self.key = key
    }

    /// β of the config.
    public var logitScale: Double { key.logitScale }

    /// ``TrialData/generate(_:seed:trial:)``.
    public func trialData(seed: Int, trial: Int) -> TrialData {
        TrialData.generate(key, seed: seed, trial: trial)
    }
}

/// One (layer, KV head) of a captured dataset, materialised: its cached keys and values (T × d; K after
/// RoPE) and the G query heads that read it (each T × d, after RoPE), in the dataset's coordinate order.
public struct CapturedHead: Sendable {
    /// K, T × d.
    public let keys: [Float]
    /// V, T × d.
    public let values: [Float]
    /// Q of the G query heads of this KV head, each T × d.
    public let queryHeads: [[Float]]
    /// T.
    public let tokens: Int
    /// d.
    public let dim: Int

    /// Wraps the tensors of one KV head.
    ///
    /// - Precondition: every tensor holds `tokens × dim` values and there is at least one query head.
    public init(keys: [Float], values: [Float], queryHeads: [[Float]], tokens: Int, dim: Int) {
        precondition(tokens >= 1 && dim >= 1 && !queryHeads.isEmpty)
        precondition(keys.count == tokens * dim && values.count == tokens * dim)
        precondition(queryHeads.allSatisfy { $0.count == tokens * dim })
        self.keys = keys
        self.values = values
        self.queryHeads = queryHeads
        self.tokens = tokens
        self.dim = dim
    }
}

/// Captured data as a data source (SCIENCE "Captured data"): the cache is the first N positions of one
/// (layer, KV head); the queries are the last Q of those positions, each read by the KV head's G query heads
/// (Q·G query vectors, position-major), and the query at position t attends causally over keys 0…t.
///
/// A dataset has no data randomness: every (seed, trial) gets the same inputs (the quantizers' R and S still
/// vary with seed and trial, scoped to the layer and head).
public struct CapturedSource: TrialDataSource {
    /// β.
    public let logitScale: Double
    /// The inputs, the same for every trial.
    public let data: TrialData
    /// Their exact attention, computed once.
    public let reference: ReferenceAttention

    /// The inputs of N cached tokens and Q query positions of one KV head.
    ///
    /// - Precondition: 1 ≤ queries ≤ tokens ≤ head.tokens.
    public init(head: CapturedHead, tokens: Int, queries: Int, logitScale: Double) {
        precondition(queries >= 1 && queries <= tokens && tokens <= head.tokens)
        let d = head.dim
        let keys = Matrix(rows: tokens, cols: d, storage: head.keys[0..<(tokens * d)].lazy.map { Double($0) })
        let values = Matrix(rows: tokens, cols: d, storage: head.values[0..<(tokens * d)].lazy.map { Double($0) })
        let groups = head.queryHeads.count
        var queryStorage: [Double] = []
        queryStorage.reserveCapacity(queries * groups * d)
        var prefixLengths: [Int] = []
        prefixLengths.reserveCapacity(queries * groups)
        for t in (tokens - queries)..<tokens {
            for q in head.queryHeads {
                queryStorage += q[(t * d)..<((t + 1) * d)].map { Double($0) }
                prefixLengths.append(t + 1)
            }
        }
        data = TrialData(
            keys: keys, values: values, queries: Matrix(rows: queries * groups, cols: d, storage: queryStorage),
            prefixLengths: prefixLengths)
        self.logitScale = logitScale
        reference = ReferenceAttention(data: data, logitScale: logitScale)
    }

    /// The same inputs for every (seed, trial).
    public func trialData(seed: Int, trial: Int) -> TrialData { data }

    /// The inputs with the reference attention computed once for every trial.
    public func prepared(key: DataKey, seed: Int, trial: Int) -> PreparedTrial {
        PreparedTrial(key: key, data: data, reference: reference, seed: seed, trial: trial)
    }
}
