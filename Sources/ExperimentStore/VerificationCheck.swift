/// The outcome of one check of `kvlab verify` (``Store/verify(maxDetails:)``).
public struct VerificationCheck: Sendable, Equatable {
    /// The check's name: `integrity`, `foreign_keys`, `migrations`, `configs`, `runs`, `trial_hashes` or
    /// `summaries`.
    public var name: String
    /// How many items the check examined (pages for `integrity`, rows otherwise).
    public var checked: Int
    /// How many problems it found (may exceed ``details``, which is capped).
    public var problemCount: Int
    /// One line per problem, at most the cap given to ``Store/verify(maxDetails:)``.
    public var details: [String]

    /// Creates a check outcome.
    ///
    /// - Parameters:
    ///   - name: the check's name.
    ///   - checked: how many items it examined.
    ///   - problemCount: how many problems it found.
    ///   - details: the first problems, one line each.
    public init(name: String, checked: Int, problemCount: Int = 0, details: [String] = []) {
        self.name = name
        self.checked = checked
        self.problemCount = problemCount
        self.details = details
    }

    /// True when the check found no problem.
    public var isClean: Bool { problemCount == 0 }
}
