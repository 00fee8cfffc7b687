/// Errors of claim loading and evaluation, with user-facing descriptions.
public enum ClaimError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The claim file is malformed (exit 2).
    case malformed(source: String, line: Int, message: String)
    /// A file or directory could not be read (exit 2).
    case unreadable(path: String, reason: String)
    /// `--param NAME=…` names a parameter no selected claim declares (exit 2).
    case unknownParameter(name: String, known: [String])
    /// A `--param` argument is not NAME=VALUE (exit 2).
    case badParameter(String)

    public var description: String {
        switch self {
        case .malformed(let source, let line, let message): return "\(source):\(line): \(message)"
        case .unreadable(let path, let reason): return "cannot read claim file \(path): \(reason)"
        case .unknownParameter(let name, let known):
            let list = known.isEmpty ? "the selected claims take no parameters" : "known: \(known.joined(separator: ", "))"
            return "--param \(name): no selected claim declares this parameter (\(list))"
        case .badParameter(let raw): return "--param '\(raw)': expected NAME=VALUE"
        }
    }
}
