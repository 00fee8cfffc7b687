import ExperimentStore

/// The result of evaluating one claim on one snapshot of the database.
public struct ClaimEvaluation: Sendable {
    /// The claim evaluated.
    public var claim: ClaimFile
    /// The parameter values bound (header defaults with `--param` overrides), in header order.
    public var parameters: [ClaimFile.Parameter]
    /// pass, fail, inconclusive or error.
    public var verdict: ClaimVerdict
    /// The coverage query's result (nil when the claim has none or it could not run).
    public var coveredCells: Int?
    /// Column names of the failing rows.
    public var columns: [String]
    /// The first failing rows (at most the evaluator's `keptRows`).
    public var failingRows: [[SQLValue]]
    /// How many failing rows the body returned in all.
    public var failingRowCount: Int
    /// Why the verdict is inconclusive or error, or how many rows failed; nil for a pass.
    public var message: String?
    /// Whether an error verdict is the claim file's fault (a statement that would write, an undeclared or
    /// positional parameter, several statements): bad input (exit 2) rather than an evaluation error (exit 3).
    public var isClaimDefect: Bool

    /// Creates an evaluation.
    public init(
        claim: ClaimFile, parameters: [ClaimFile.Parameter], verdict: ClaimVerdict, coveredCells: Int? = nil,
        columns: [String] = [], failingRows: [[SQLValue]] = [], failingRowCount: Int = 0, message: String? = nil,
        isClaimDefect: Bool = false
    ) {
        self.claim = claim
        self.parameters = parameters
        self.verdict = verdict
        self.coveredCells = coveredCells
        self.columns = columns
        self.failingRows = failingRows
        self.failingRowCount = failingRowCount
        self.message = message
        self.isClaimDefect = isClaimDefect
    }

    /// Whether this outcome may change the exit code: always for an error verdict, otherwise only for a
    /// claim of severity `error` (a failing or inconclusive `warn` claim is only reported).
    public var affectsExitCode: Bool { verdict == .error || claim.severity == .error }
}
