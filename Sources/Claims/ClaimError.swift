/// Errors of claim loading and parameter handling, with user-facing descriptions. Every case is bad input
/// (exit 2); failures while a claim runs are not thrown but reported as an ``ClaimVerdict/error`` verdict.
public enum ClaimError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The claim file is malformed.
    case malformed(source: String, line: Int, message: String)
    /// A file or directory could not be read, or a name is neither a path nor a shipped claim.
    case unreadable(path: String, reason: String)
    /// A directory holds no `.sql` file.
    case emptyDirectory(path: String)
    /// Two selected claims have the same name.
    case duplicateName(name: String, sources: [String])
    /// `--param NAME=…` names a parameter no selected claim declares.
    case unknownParameter(name: String, known: [String])
    /// `--param NAME=VALUE` gives a value a claim that declares NAME does not support.
    case unsupportedValue(name: String, value: String, claim: String, expected: String)

    /// The user-facing message ("what, where, how to fix").
    public var description: String {
        switch self {
        case .malformed(let source, let line, let message):
            return "\(source):\(line): \(message)"
        case .unreadable(let path, let reason):
            return "cannot read claim file \(path): \(reason)"
        case .emptyDirectory(let path):
            return "\(path) holds no .sql claim file"
        case .duplicateName(let name, let sources):
            return "two selected claims are named \(name) (\(sources.joined(separator: ", "))); rename one"
        case .unknownParameter(let name, let known):
            let list =
                known.isEmpty ? "the selected claims take no parameters" : "known: \(known.joined(separator: ", "))"
            return "--param \(name): no selected claim declares this parameter (\(list))"
        case .unsupportedValue(let name, let value, let claim, let expected):
            return "--param \(name)=\(value): claim \(claim) does not support this value; it takes \(expected)"
        }
    }
}
