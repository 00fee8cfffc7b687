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

/// A small deterministic generator (SplitMix64) for the fuzz tests.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// Seeds the generator.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
