/// The evaluations of one `claims check`, all read from one snapshot of the database.
public struct ClaimReport: Sendable {
    /// One evaluation per claim, in the order the claims were given.
    public var evaluations: [ClaimEvaluation]
    /// The fingerprint of the data the claims saw (``DataFingerprint``).
    public var dataFingerprint: String
    /// When the snapshot was read (Unix epoch seconds).
    public var evaluatedAt: Double

    /// Creates a report.
    public init(evaluations: [ClaimEvaluation], dataFingerprint: String, evaluatedAt: Double) {
        self.evaluations = evaluations
        self.dataFingerprint = dataFingerprint
        self.evaluatedAt = evaluatedAt
    }

    /// How many evaluations have a verdict.
    ///
    /// - Parameter verdict: the verdict to count.
    public func count(_ verdict: ClaimVerdict) -> Int { evaluations.count { $0.verdict == verdict } }

    /// The summary line `N passed, N failed, N inconclusive, N skipped`, with `, N errors` appended when
    /// there are any.
    public var summaryLine: String {
        var line =
            "\(count(.pass)) passed, \(count(.fail)) failed, \(count(.inconclusive)) inconclusive, "
            + "\(count(.skipped)) skipped"
        let errors = count(.error)
        if errors > 0 { line += ", \(errors) error\(errors == 1 ? "" : "s")" }
        return line
    }
}
