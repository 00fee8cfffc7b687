/// Why a report cannot be built.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    /// The filter (`--where`) is not a valid SQL condition on `run_means`; the database's message.
    case invalidFilter(String)

    /// What went wrong, in words.
    public var description: String {
        switch self {
        case .invalidFilter(let message): return "--where is not a valid condition on run_means: \(message)"
        }
    }
}
