/// Errors of `kvlab compare` requests, with user-facing descriptions. Every case is bad input (exit 2).
public enum CompareError: Error, Equatable, CustomStringConvertible {
    /// `--metric` names no metric.
    case unknownMetric(name: String, allowed: [String])
    /// `--a` or `--b` names no scheme.
    case unknownScheme(name: String, allowed: [String])
    /// `--a` equals `--b`.
    case sameScheme(name: String)
    /// A `--by` entry is not a switch that pairs can be grouped by.
    case unknownDimension(name: String, allowed: [String])
    /// A `--by` entry appears twice.
    case duplicateDimension(name: String)
    /// The database has no done current run of a scheme.
    case schemeAbsent(scheme: String, present: [String])
    /// No pair of runs of the two schemes remains (after `--where`).
    case noPairs(a: String, b: String, filtered: Bool)

    /// What went wrong and how to fix it.
    public var description: String {
        switch self {
        case .unknownMetric(let name, let allowed):
            return "unknown metric '\(name)'; allowed: \(allowed.joined(separator: ", "))"
        case .unknownScheme(let name, let allowed):
            return "unknown scheme '\(name)'; allowed: \(allowed.joined(separator: ", "))"
        case .sameScheme(let name):
            return "--a and --b are both \(name); compare two different schemes"
        case .unknownDimension(let name, let allowed):
            return "unknown --by dimension '\(name)'; allowed: \(allowed.joined(separator: ", "))"
                + (name == "scheme" ? " (scheme is what is compared: use --a and --b)" : "")
        case .duplicateDimension(let name):
            return "--by lists '\(name)' twice"
        case .schemeAbsent(let scheme, let present):
            let schemes = present.isEmpty ? "none (no run is done)" : present.joined(separator: ", ")
            return "no runs of scheme \(scheme) in the database (schemes with done runs: \(schemes))"
        case .noPairs(let a, let b, let filtered):
            return "no pair of done \(a) and \(b) runs on the same data and seed"
                + (filtered ? " matches --where" : " (their other switches never match)")
        }
    }
}
