import Foundation
import GRDB
import Quantization
import Testing

@testable import ExperimentStore

/// A temporary directory removed when the value is released; each test uses its own.
final class TempDirectory: Sendable {
    /// The directory.
    let url: URL

    /// Creates a new empty directory.
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A path inside the directory.
    func path(_ name: String = "test.sqlite") -> String { url.appendingPathComponent(name).path }

    /// The names of the files in the directory, sorted.
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

/// The bytes of a file (empty when absent).
func fileBytes(_ path: String) -> [UInt8] {
    FileManager.default.contents(atPath: path).map { Array($0) } ?? []
}

/// Deterministic, distinct metric values for a trial.
func sampleMetrics(trial: Int, offset: Double = 0) -> MetricValues {
    var metrics = MetricValues()
    for index in metrics.values.indices {
        metrics.values[index] = offset + Double(index) + 0.25 * Double(trial) + 1e-3 * Double(trial * trial)
    }
    return metrics
}

/// A valid resolved config with some switches changed.
func sampleConfig(scheme: Scheme = .KQV, bits: Int = 4, distribution: Distribution = .gaussian) -> ResolvedConfig {
    var config = TrialConfig()
    config.scheme = scheme
    config.bits = bits
    config.distribution = distribution
    return config.resolved
}

/// Opens a plain connection without kvlab's functions or configuration (as the `sqlite3` shell would).
func plainQueue(_ path: String) throws -> DatabaseQueue {
    try DatabaseQueue(path: path)
}
