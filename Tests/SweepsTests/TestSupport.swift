import Foundation
import Sweeps

/// Helpers shared by the sweep tests.
enum TestSupport {
    /// The repository root (three levels above this file).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bytes of a file under the repository root.
    static func repoFile(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: repositoryRoot.appendingPathComponent(relativePath)))
    }

    /// Parses a spec that must be valid.
    static func spec(_ text: String, source: String = "test.yaml") throws -> SweepSpec {
        try SweepSpec.parse(text: text, source: source)
    }

    /// The error a spec must produce.
    static func error(_ text: String, source: String = "sweeps/x.yaml") -> SweepSpecError? {
        do {
            _ = try SweepSpec.parse(text: text, source: source)
            return nil
        } catch {
            return error
        }
    }
}
