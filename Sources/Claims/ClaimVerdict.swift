/// The outcome of evaluating one claim (stored in `claim_evaluations.verdict`).
public enum ClaimVerdict: String, Sendable, Hashable, CaseIterable {
    /// Enough coverage and no failing row.
    case pass
    /// Enough coverage and at least one failing row.
    case fail
    /// Fewer covered cells than `coverage_min`: the data cannot decide (never a pass).
    case inconclusive
    /// The database has no runs of the claim's kind (and its `dataset` parameter): not evaluated, not
    /// stored, and ignored by the exit code unless every claim was skipped.
    case skipped
    /// The claim could not be evaluated (SQL error, a statement that would write, an undeclared parameter).
    case error
}
