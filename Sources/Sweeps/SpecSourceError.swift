/// A SPEC argument that is neither an existing file nor a shipped sweep (a usage error: exit 2).
public enum SpecSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A path (it has a directory or a YAML/JSON extension) where no file exists.
    case missingFile(String)
    /// A name that is no file and no shipped sweep.
    case unknownName(String)

    /// What is missing, and the shipped names.
    public var description: String {
        let shipped = SweepSpec.shippedNames.joined(separator: ", ")
        switch self {
        case .missingFile(let path):
            return "no sweep spec file at '\(path)' (check the path; shipped sweeps are named without a "
                + "directory: \(shipped))"
        case .unknownName(let name):
            return "no sweep spec at '\(name)' and no shipped sweep of that name (shipped: \(shipped))"
        }
    }
}
