/// The result of ``Store/verify(maxDetails:)``: every check of `kvlab verify`, in a fixed order.
public struct VerificationReport: Sendable, Equatable {
    /// The checks, in the order they ran.
    public var checks: [VerificationCheck]

    /// Creates a report.
    ///
    /// - Parameter checks: the checks, in order.
    public init(checks: [VerificationCheck]) {
        self.checks = checks
    }

    /// True when no check found a problem.
    public var isClean: Bool { checks.allSatisfy(\.isClean) }

    /// The total number of problems over all checks.
    public var problemCount: Int { checks.reduce(0) { $0 + $1.problemCount } }

    /// The check with this name, if it ran.
    public subscript(name: String) -> VerificationCheck? { checks.first { $0.name == name } }
}
