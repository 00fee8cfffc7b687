/// The result of one comparison: its groups, the data it saw, and what was left out.
public struct CompareReport: Sendable, Equatable {
    /// The request.
    public var request: CompareRequest
    /// One row per group, ordered by the `--by` values.
    public var rows: [CompareRow]
    /// The fingerprint of the data the comparison read (``DataFingerprint``).
    public var dataFingerprint: String
    /// Seeds left out of their group because a run mean of one of the seed's pairs was NULL or not finite
    /// (counted once per group and seed).
    public var droppedSeeds: Int
    /// When the comparison read the data (seconds since 1970).
    public var createdAt: Double

    /// The groups with fewer than two seeds (their CIs are undefined and their verdict is a tie).
    public var singleSeedGroups: [CompareRow] { rows.filter { $0.n < 2 } }

    /// Column names of a printed or stored row: the `--by` switches, then the statistics.
    public var columns: [String] { request.by + Self.statisticColumns }

    /// The statistic columns, in output order (also the JSON keys and `compare_results` columns).
    public static let statisticColumns = [
        "n", "seeds", "mean_a", "mean_b", "ratio", "ratio_delta_ci_low", "ratio_delta_ci_high", "ratio_ci_low",
        "ratio_ci_high", "diff_ci_low", "diff_ci_high", "t_p", "wilcoxon_p", "wilcoxon_log10_p", "wilcoxon_r",
        "mw_u", "mw_p", "mw_log10_p", "mw_r", "holm_p", "verdict",
    ]
}
