import Quantization

/// One stored trial: its index and metric values (NaN where the stored value is NaN or not computed).
public struct StoredTrial: Sendable {
    /// The trial index.
    public var trial: Int
    /// The metric values.
    public var metrics: MetricValues

    /// Creates a stored trial.
    public init(trial: Int, metrics: MetricValues) {
        self.trial = trial
        self.metrics = metrics
    }
}
