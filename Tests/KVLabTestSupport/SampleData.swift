import Foundation
import Quantization

/// Deterministic, distinct metric values for a trial.
///
/// - Parameters:
///   - trial: the trial index (values grow with it).
///   - offset: added to every value.
public func sampleMetrics(trial: Int, offset: Double = 0) -> MetricValues {
    var metrics = MetricValues()
    for index in metrics.values.indices {
        metrics.values[index] = offset + Double(index) + 0.25 * Double(trial) + 1e-3 * Double(trial * trial)
    }
    return metrics
}

/// A valid resolved config: the default switches with scheme, bits and distribution set.
public func sampleConfig(scheme: Scheme = .KQV, bits: Int = 4, distribution: Distribution = .gaussian)
    -> TrialConfig
{
    var config = TrialConfig()
    config.scheme = scheme
    config.bits = bits
    config.distribution = distribution
    return config.resolved
}

/// The bytes of a file (empty when absent).
public func fileBytes(_ path: String) -> [UInt8] {
    FileManager.default.contents(atPath: path).map { Array($0) } ?? []
}
