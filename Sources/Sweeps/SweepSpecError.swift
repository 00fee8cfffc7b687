/// A sweep spec that cannot be read, parsed or expanded (a usage error: the CLI exits with status 2).
///
/// The description names the file, the key path inside the spec and what is allowed, then the position:
/// `sweeps/x.yaml: grid.bits[2]: 0 is out of range 1…8 (line 7, column 18)`. YAML syntax errors have no key
/// path: `sweeps/x.yaml: line 3, column 5: YAML syntax error: …`.
public struct SweepSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Hashable {
        /// The file could not be read (missing, a directory, unreadable, not UTF-8).
        case io
        /// The text is not well-formed YAML (or JSON).
        case syntax
        /// Well-formed, but not a valid spec: unknown key, wrong type, value out of range, …
        case invalid
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The file the spec came from (as given), or `sweeps/NAME.yaml` for a shipped spec.
    public var source: String
    /// The location inside the spec, e.g. `grid.bits[2]` or `fixed.dim`; empty when it does not apply.
    public var keyPath: String
    /// What is wrong and what is allowed.
    public var message: String
    /// The 1-based line of the offending node, when known.
    public var line: Int?
    /// The 1-based column (in Unicode scalars) of the offending node, when known.
    public var column: Int?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - kind: what went wrong, broadly.
    ///   - source: the file the spec came from.
    ///   - keyPath: the location inside the spec (empty if none).
    ///   - message: what is wrong and what is allowed.
    ///   - line: the 1-based line, if known.
    ///   - column: the 1-based column, if known.
    public init(
        kind: Kind, source: String, keyPath: String = "", message: String, line: Int? = nil, column: Int? = nil
    ) {
        self.kind = kind
        self.source = source
        self.keyPath = keyPath
        self.message = message
        self.line = line
        self.column = column
    }

    /// The location prefix without the message: `source: keyPath` (or `source` alone).
    public var location: String {
        keyPath.isEmpty ? source : "\(source): \(keyPath)"
    }

    /// `source: keyPath: message (line L, column C)`, or `source: line L, column C: message` without a key path.
    public var description: String {
        var position = ""
        if let line {
            position = "line \(line)"
            if let column { position += ", column \(column)" }
        }
        if keyPath.isEmpty {
            return position.isEmpty ? "\(source): \(message)" : "\(source): \(position): \(message)"
        }
        return position.isEmpty
            ? "\(source): \(keyPath): \(message)" : "\(source): \(keyPath): \(message) (\(position))"
    }
}
