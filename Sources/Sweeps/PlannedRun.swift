import Quantization

/// One run of a sweep: a config evaluated under one seed (on trials 0…T−1 of the spec).
public struct PlannedRun: Sendable, Hashable {
    /// The fully resolved config.
    public var config: TrialConfig
    /// The seed (the replicate unit).
    public var seed: Int

    /// Creates a planned run.
    ///
    /// - Parameters:
    ///   - config: the fully resolved config.
    ///   - seed: the seed.
    public init(config: TrialConfig, seed: Int) {
        self.config = config
        self.seed = seed
    }
}
