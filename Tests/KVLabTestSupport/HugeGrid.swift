/// The grid of the largest plan a spec may have: 2 schemes × 5 budgets × 5 laws × 2 mixings × 10 noises × 10
/// logit scales = 10,000 configs; with 100 seeds, 1,000,000 runs.
public enum HugeGrid {
    /// Configs of the grid.
    public static let configCount = 10_000

    /// The spec text.
    ///
    /// - Parameters:
    ///   - name: the sweep name.
    ///   - seeds: seeds per config (100 gives 1,000,000 runs, the limit).
    ///   - trials: trials per run.
    ///   - fixed: a `fixed:` mapping in flow style (e.g. `{dim: 16, tokens: 32, queries: 4}`), nil for none.
    public static func spec(name: String = "huge", seeds: Int, trials: Int, fixed: String? = nil) -> String {
        """
        name: \(name)
        seeds: \(seeds)
        trials: \(trials)
        \(fixed.map { "fixed: \($0)\n" } ?? "")grid:
          scheme: [KQV, QKQV]
          bits: [2, 3, 4, 5, 6]
          distribution: [gaussian, t10, t5, t3, laplace]
          mixing: [dense, axis]
          noise: [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0]
          logit_scale: [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0]
        """
    }
}
