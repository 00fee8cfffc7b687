/// The claims shipped with kvlab: the files of `queries/claims/` embedded in the binary, so
/// `kvlab claims check` works from any directory. The repository files are their source (a test asserts
/// the embedded bytes equal them).
public enum ShippedClaims {
    /// The embedded files, by file name, in check order: the paper's claims, the sanity claims, then the
    /// claims about a dataset and about a model (kinds dataset and model: skipped on databases without their
    /// runs).
    public static let files: [(name: String, bytes: [UInt8])] = [
        ("kqv-wins-at-n4.sql", PackageResources.kqv_wins_at_n4_sql),
        ("qkqv-worse-kl.sql", PackageResources.qkqv_worse_kl_sql),
        ("k-angle-crossover.sql", PackageResources.k_angle_crossover_sql),
        ("kl-ratio-2.25.sql", PackageResources.kl_ratio_2_25_sql),
        ("sanity-divergences-in-range.sql", PackageResources.sanity_divergences_in_range_sql),
        ("sanity-error-shrinks-with-bits.sql", PackageResources.sanity_error_shrinks_with_bits_sql),
        ("sanity-mse-distortion-bounds.sql", PackageResources.sanity_mse_distortion_bounds_sql),
        ("sanity-effective-bits.sql", PackageResources.sanity_effective_bits_sql),
        ("dataset-kqv-wins-at-n4.sql", PackageResources.dataset_kqv_wins_at_n4_sql),
        ("dataset-qkqv-worse-kl.sql", PackageResources.dataset_qkqv_worse_kl_sql),
        ("dataset-k-angle-crossover.sql", PackageResources.dataset_k_angle_crossover_sql),
        ("dataset-sanity-divergences-in-range.sql", PackageResources.dataset_sanity_divergences_in_range_sql),
        ("dataset-sanity-error-shrinks-with-bits.sql", PackageResources.dataset_sanity_error_shrinks_with_bits_sql),
        ("dataset-sanity-effective-bits.sql", PackageResources.dataset_sanity_effective_bits_sql),
        ("model-kqv-lowest-next-kl.sql", PackageResources.model_kqv_lowest_next_kl_sql),
        ("model-attention-winner-is-model-winner.sql", PackageResources.model_attention_winner_is_model_winner_sql),
        ("model-sanity-metrics-consistent.sql", PackageResources.model_sanity_metrics_consistent_sql),
    ]

    /// Every shipped claim, parsed, with source `shipped:FILE.sql`.
    ///
    /// - Throws: ``ClaimError/malformed(source:line:message:)`` (only if a shipped file is broken).
    public static func all() throws(ClaimError) -> [ClaimFile] {
        var claims: [ClaimFile] = []
        for file in files {
            claims.append(try claim(file))
        }
        return claims
    }

    /// The shipped claim with a name or file name (`kqv-wins-at-n4` or `kqv-wins-at-n4.sql`), if any.
    ///
    /// - Parameter name: the claim's name or its file name.
    /// - Throws: ``ClaimError/malformed(source:line:message:)`` (only if a shipped file is broken).
    public static func named(_ name: String) throws(ClaimError) -> ClaimFile? {
        for claim in try all() where claim.name == name || claim.source == "shipped:\(name)" {
            return claim
        }
        return nil
    }

    private static func claim(_ file: (name: String, bytes: [UInt8])) throws(ClaimError) -> ClaimFile {
        try ClaimFile.parse(
            bytes: file.bytes, source: "shipped:\(file.name)", defaultName: String(file.name.dropLast(4)))
    }
}
