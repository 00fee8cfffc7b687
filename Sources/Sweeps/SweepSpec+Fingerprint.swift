import Crypto
import Quantization

extension SweepSpec {
    /// SHA-256 (lowercase hex) of the canonical expanded content: the sorted config keys, the sorted seeds and
    /// the trial count.
    ///
    /// It depends only on what would be computed, not on how the spec is written: comments, key order, the
    /// order of grid lists, of grids and of seeds, spelling a default explicitly, and non-applicable switches
    /// do not change it; the name does not enter it. The planner stores ``planFingerprint`` (not this one) as
    /// the sweep's `spec_hash` to detect "same name, changed spec": when only ``trials`` changed, the plan
    /// fingerprint is equal and the runs are extended.
    public var fingerprint: String { Self.sha256Hex(canonicalPlanText + "trials \(trials)\n") }

    /// SHA-256 (lowercase hex) of the canonical planned runs (sorted config keys and sorted seeds), without
    /// the trial count: equal for two specs that plan the same runs, whatever their `trials`.
    public var planFingerprint: String { Self.sha256Hex(canonicalPlanText) }

    /// The text both fingerprints hash: a version line, `seeds` with the sorted seeds, then one `config`
    /// line per config key, sorted.
    var canonicalPlanText: String {
        var text = "kvlab-sweep-plan 1\nseeds \(seeds.sorted().map(String.init).joined(separator: ","))\n"
        for key in configs.map(\.sweepKey).sorted() { text += "config \(key)\n" }
        return text
    }

    /// SHA-256 of a string's UTF-8 bytes, as 64 lowercase hex digits.
    static func sha256Hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef")
        var hex = ""
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return hex
    }
}
