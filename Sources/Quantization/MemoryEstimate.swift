/// A lower bound of the memory one attention-level trial needs, so that a config that cannot fit is refused
/// before any work (planning, `kvlab trial`) instead of killing its process again and again.
///
/// A trial holds, as 8-byte doubles: the data K and V (T × d each) and Q (q × d); the reconstructions K̂ and
/// V̂ (T × d each); the reference and quantized attention weights (q × T each) and outputs (q × d each); and
/// for the dense rotations and sketches up to two d × d matrices per side. The count leaves out buffers and
/// caches, so a trial needs at least this much (measured peaks of `kvlab trial` were 1.2–1.6 times it:
/// docs/architecture.md "Sweeps and resume").
public enum MemoryEstimate {
    /// Bytes one trial of `config` needs at least, or nil for a model-level config (its memory is the
    /// model's, checked when the model is loaded).
    public static func trialBytes(_ config: TrialConfig) -> Double? {
        guard !config.isModelLevel else { return nil }
        let t = Double(config.tokens)
        let d = Double(config.dim)
        let q = Double(config.queries)
        let doubles = 4 * t * d + 3 * q * d + 2 * q * t + 4 * d * d
        return 8 * doubles
    }

    /// A byte count for people: `512 B`, `3.2 MB`, `34.4 GB` (powers of 1000).
    public static func text(_ bytes: Double) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var value = bytes
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(Int(value)) B" }
        return "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
