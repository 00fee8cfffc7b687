import ExperimentStore
import Quantization

/// Versions printed by `kvlab --version`.
enum VersionInfo {
    /// The kvlab release.
    static let kvlab = "0.1.0"

    /// The `--version` text: kvlab, engine and schema versions.
    static var versionString: String {
        "kvlab \(kvlab) (engine \(Engine.version), schema \(Store.schemaVersion))"
    }
}
