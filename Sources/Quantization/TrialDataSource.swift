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
}

/// The synthetic generator of SCIENCE.md "Synthetic data" as a data source: every query reads all tokens.
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
