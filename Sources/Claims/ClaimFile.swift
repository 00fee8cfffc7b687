/// A claim: one `.sql` file whose leading `-- key: value` lines are its header and whose body returns
/// the FAILING rows (empty = the claim holds). It runs unchanged in the `sqlite3` shell
/// (`.param set :bits 4`). DESIGN.md "Claims".
public struct ClaimFile: Sendable, Hashable {
    /// Severity of a failing claim: `error` changes the exit code, `warn` is only reported.
    public enum Severity: String, Sendable, Hashable {
        case error, warn
    }

    /// Where the claim came from (a path, or `shipped:NAME`).
    public var source: String
    /// The claim's name (`-- name:`; default: the file name without `.sql`).
    public var name: String
    /// One-line description.
    public var description: String
    /// error or warn (default error).
    public var severity: Severity
    /// Parameters with their defaults, in header order.
    public var parameters: [(name: String, value: ParameterValue)]
    /// A query returning the number of covered cells (optional).
    public var coverage: String?
    /// Fewer covered cells than this ⇒ inconclusive (default 1 when `coverage` is given).
    public var coverageMin: Int
    /// The SQL body returning the failing rows.
    public var body: String
    /// SHA-256 (hex) of the file's bytes, set by the loader.
    public var fileHash: String

    public static func == (a: ClaimFile, b: ClaimFile) -> Bool {
        a.source == b.source && a.fileHash == b.fileHash && a.body == b.body
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(fileHash)
    }

    /// Parses a claim file.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - source: its path (for messages).
    ///   - defaultName: the name used when the header has none.
    ///   - fileHash: the hash of the bytes.
    /// - Throws: ``ClaimError/malformed(source:line:message:)`` naming the line.
    public static func parse(text: String, source: String, defaultName: String, fileHash: String) throws(ClaimError)
        -> ClaimFile
    {
        var header: [String: (value: String, line: Int)] = [:]
        var bodyLines: [Substring] = []
        var inHeader = true
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let allowed = ["name", "description", "severity", "params", "coverage", "coverage_min"]
        for (index, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if inHeader {
                let trimmed = String(line).trimmingSpaces()
                if trimmed.isEmpty { continue }
                if trimmed.hasPrefix("--") {
                    let content = String(trimmed.dropFirst(2)).trimmingSpaces()
                    if let colon = content.firstIndex(of: ":") {
                        let key = String(content[..<colon]).trimmingSpaces()
                        let isKey = !key.isEmpty && key.allSatisfy { $0.isLetter || $0 == "_" }
                        if isKey {
                            guard allowed.contains(key) else {
                                throw .malformed(
                                    source: source, line: index + 1,
                                    message: "unknown header key '\(key)' (allowed: \(allowed.joined(separator: ", ")))")
                            }
                            guard header[key] == nil else {
                                throw .malformed(source: source, line: index + 1, message: "duplicate header key '\(key)'")
                            }
                            let value = String(content[content.index(after: colon)...]).trimmingSpaces()
                            header[key] = (value, index + 1)
                            continue
                        }
                    }
                    continue  // a plain comment inside the header
                }
                inHeader = false
            }
            bodyLines.append(line)
        }
        let body = bodyLines.joined(separator: "\n").trimmingSpaces()
        guard body.contains(where: { !$0.isWhitespace }) else {
            throw .malformed(source: source, line: lines.count, message: "the claim has no SQL body")
        }
        var severity = Severity.error
        if let s = header["severity"] {
            guard let parsed = Severity(rawValue: s.value) else {
                throw .malformed(
                    source: source, line: s.line, message: "severity '\(s.value)' is not one of error, warn")
            }
            severity = parsed
        }
        var parameters: [(String, ParameterValue)] = []
        if let p = header["params"], !p.value.isEmpty {
            for item in p.value.split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1)
                let name = String(pair[0]).trimmingSpaces()
                guard pair.count == 2, ClaimFile.isIdentifier(name) else {
                    throw .malformed(
                        source: source, line: p.line,
                        message: "params: '\(String(item).trimmingSpaces())' is not NAME=DEFAULT")
                }
                guard !parameters.contains(where: { $0.0 == name }) else {
                    throw .malformed(source: source, line: p.line, message: "params: '\(name)' appears twice")
                }
                parameters.append((name, ParameterValue(parsing: String(pair[1]))))
            }
        }
        var coverageMin = header["coverage"] == nil ? 0 : 1
        if let c = header["coverage_min"] {
            guard let v = Int(c.value), v >= 0 else {
                throw .malformed(
                    source: source, line: c.line, message: "coverage_min '\(c.value)' is not a non-negative integer")
            }
            coverageMin = v
        }
        return ClaimFile(
            source: source, name: header["name"]?.value ?? defaultName, description: header["description"]?.value ?? "",
            severity: severity, parameters: parameters, coverage: header["coverage"]?.value, coverageMin: coverageMin,
            body: body, fileHash: fileHash)
    }

    /// Whether a string is a SQL parameter name ([A-Za-z_][A-Za-z0-9_]*).
    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }
}
