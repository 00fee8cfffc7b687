/// One row of `claim_evaluations`: a stored evaluation of a claim.
public struct ClaimRecord: Sendable, Equatable {
    /// Row id (nil before it is stored).
    public var id: Int64?
    /// The claim's name.
    public var claim: String
    /// SHA-256 of the claim file's bytes.
    public var fileHash: String
    /// The fingerprint of the data it saw (``DataFingerprint``).
    public var dataFingerprint: String
    /// JSON object of the parameter values used.
    public var paramsJSON: String
    /// error or warn.
    public var severity: String?
    /// pass, fail, inconclusive or error.
    public var verdict: ClaimVerdict
    /// The coverage query's result, if it ran.
    public var coveredCells: Int?
    /// JSON array of the kept failing rows, objects keyed by column name.
    public var failingRowsJSON: String
    /// Why the verdict is inconclusive or error, and how many failing rows there were in all.
    public var message: String?
    /// When it was evaluated (Unix epoch seconds).
    public var evaluatedAt: Double
    /// The writing process's provenance row, if recorded.
    public var provenanceID: Int64?

    /// Creates a record.
    public init(
        id: Int64? = nil, claim: String, fileHash: String, dataFingerprint: String, paramsJSON: String,
        severity: String?, verdict: ClaimVerdict, coveredCells: Int?, failingRowsJSON: String, message: String?,
        evaluatedAt: Double, provenanceID: Int64? = nil
    ) {
        self.id = id
        self.claim = claim
        self.fileHash = fileHash
        self.dataFingerprint = dataFingerprint
        self.paramsJSON = paramsJSON
        self.severity = severity
        self.verdict = verdict
        self.coveredCells = coveredCells
        self.failingRowsJSON = failingRowsJSON
        self.message = message
        self.evaluatedAt = evaluatedAt
        self.provenanceID = provenanceID
    }
}
