/// The outcome of one check of `kvlab verify` (``Store/verify(maxDetails:)``).
public struct VerificationCheck: Sendable, Equatable {
    /// The check's name: `integrity`, `foreign_keys`, `migrations`, `schema`, `reference_tables`, `configs`,
    /// `runs`, `nan_masks`, `trial_hashes`, `summaries`, `datasets`, `texts` or `provenance`.
    public var name: String
    /// How many items the check examined (pages for `integrity`, rows otherwise).
    public var checked: Int
    /// How many items it could not check and left alone (not problems: provenance rows written before
    /// they carried a checksum).
    public var unchecked: Int
    /// How many problems it found (may exceed ``details``, which is capped).
    public var problemCount: Int
    /// One line per problem, at most the cap given to ``Store/verify(maxDetails:)``.
    public var details: [String]

    /// Creates a check outcome.
    ///
    /// - Parameters:
    ///   - name: the check's name.
    ///   - checked: how many items it examined.
    ///   - unchecked: how many items it could not check (not problems).
    ///   - problemCount: how many problems it found.
    ///   - details: the first problems, one line each.
    public init(name: String, checked: Int, unchecked: Int = 0, problemCount: Int = 0, details: [String] = []) {
        self.name = name
        self.checked = checked
        self.unchecked = unchecked
        self.problemCount = problemCount
        self.details = details
    }

    /// True when the check found no problem.
    public var isClean: Bool { problemCount == 0 }
}
