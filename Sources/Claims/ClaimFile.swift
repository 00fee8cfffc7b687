import ExperimentStore

/// A claim: one `.sql` file whose leading `-- key: value` lines are its header and whose body returns
/// the FAILING rows (empty = the claim holds). It runs unchanged in the `sqlite3` shell
/// (`.param set :bits 4`). docs/architecture.md "Claims".
///
/// Header keys: `name`, `description`, `kind` (synthetic|dataset|model), `severity` (error|warn), `params`
/// (`name=default, …`), `coverage` (a query returning the number of covered cells; required, so a claim on
/// missing data is inconclusive, never a silent pass) and `coverage_min`. A header line `--` followed by three or
/// more spaces continues the previous key's value (joined with one space), so long coverage queries stay
/// readable. A header comment whose first word is lowercase and followed by `:` must be one of the keys (a
/// typo is an error); other comment lines are ignored. The header ends at the first line that is neither
/// blank nor a comment.
public struct ClaimFile: Sendable {
    /// Severity of a failing claim: `error` changes the exit code, `warn` is only reported.
    public enum Severity: String, Sendable, Hashable {
        /// A failing claim makes `kvlab claims check` exit 1.
        case error
        /// A failing claim is reported but does not change the exit code.
        case warn
    }

    /// One declared parameter with its default value.
    public struct Parameter: Sendable, Equatable {
        /// The name, bound to `:name` in the SQL.
        public var name: String
        /// The default value (typed as ``SQLValue/parse(_:)`` types a `--param` value).
        public var value: SQLValue
    }

    /// What data a claim is about (`-- kind:`; DESIGN "Claim kinds"): a claim with no runs of its kind in
    /// the database (after its parameters are applied) is skipped.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Runs on the synthetic generator (configs without a source).
        case synthetic
        /// Runs on a stored dataset (configs with a source; the `dataset` parameter, when declared, picks one).
        case dataset
        /// Model-level runs of a real model.
        case model
    }

    /// Where the claim came from (a path, or `shipped:FILE.sql`).
    public var source: String
    /// The claim's name (`-- name:`; default: the file name without `.sql`).
    public var name: String
    /// One-line description.
    public var description: String
    /// error or warn (default error).
    public var severity: Severity
    /// The data it is about (default synthetic).
    public var kind: Kind
    /// Parameters with their defaults, in header order.
    public var parameters: [Parameter]
    /// A query returning the number of covered cells.
    public var coverage: String
    /// Fewer covered cells than this ⇒ inconclusive (default 1).
    public var coverageMin: Int
    /// The SQL body returning the failing rows.
    public var body: String
    /// SHA-256 (lowercase hex) of the file's bytes.
    public var fileHash: String

    /// The header keys a claim file may use.
    public static let headerKeys = ["name", "description", "kind", "severity", "params", "coverage", "coverage_min"]

    /// Parses a claim file.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8).
    ///   - source: its path (for messages).
    ///   - defaultName: the name used when the header has none.
    /// - Returns: the claim, with ``fileHash`` computed over `bytes`.
    /// - Throws: ``ClaimError/malformed(source:line:message:)`` naming the line.
    public static func parse(bytes: [UInt8], source: String, defaultName: String) throws(ClaimError) -> ClaimFile {
        let text = String(decoding: bytes, as: UTF8.self)
        let (header, body, lineCount) = try split(text, source: source)
        guard body.contains(where: { !$0.isWhitespace }) else {
            throw .malformed(source: source, line: lineCount, message: "the claim has no SQL body")
        }
        var severity = Severity.error
        if let s = header["severity"] {
            guard let parsed = Severity(rawValue: s.value) else {
                throw .malformed(
                    source: source, line: s.line, message: "severity '\(s.value)' is not one of error, warn")
            }
            severity = parsed
        }
        var kind = Kind.synthetic
        if let k = header["kind"] {
            guard let parsed = Kind(rawValue: k.value) else {
                let allowed = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw .malformed(source: source, line: k.line, message: "kind '\(k.value)' is not one of \(allowed)")
            }
            kind = parsed
        }
        var parameters: [Parameter] = []
        if let p = header["params"], !p.value.isEmpty {
            for item in p.value.split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1)
                let name = String(pair.first ?? "").trimmingSpaces()
                guard pair.count == 2, isIdentifier(name) else {
                    throw .malformed(
                        source: source, line: p.line, message: "params: '\(item.trimmingSpaces())' is not NAME=DEFAULT")
                }
                guard !parameters.contains(where: { $0.name == name }) else {
                    throw .malformed(source: source, line: p.line, message: "params: '\(name)' appears twice")
                }
                parameters.append(Parameter(name: name, value: SQLValue.parse(String(pair[1]).trimmingSpaces())))
            }
        }
        guard let coverage = header["coverage"] else {
            throw .malformed(
                source: source, line: 1,
                message: "the claim has no coverage header; add `-- coverage: SELECT …` (a query returning the "
                    + "number of cells the claim covers), so that missing data is inconclusive instead of a pass")
        }
        guard !coverage.value.isEmpty else {
            throw .malformed(source: source, line: coverage.line, message: "coverage: the query is empty")
        }
        var coverageMin = 1
        if let c = header["coverage_min"] {
            guard let v = Int(c.value), v >= 0 else {
                throw .malformed(
                    source: source, line: c.line, message: "coverage_min '\(c.value)' is not a non-negative integer")
            }
            coverageMin = v
        }
        return ClaimFile(
            source: source, name: header["name"]?.value ?? defaultName, description: header["description"]?.value ?? "",
            severity: severity, kind: kind, parameters: parameters, coverage: coverage.value,
            coverageMin: coverageMin,
            body: body, fileHash: ClaimDigest.sha256(bytes))
    }

    /// Splits a file into its header values (with their line numbers), its body and its line count.
    private static func split(_ text: String, source: String) throws(ClaimError) -> (
        header: [String: (value: String, line: Int)], body: String, lines: Int
    ) {
        var header: [String: (value: String, line: Int)] = [:]
        var bodyLines: [Substring] = []
        var inHeader = true
        var lastKey: String?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard inHeader else {
                bodyLines.append(line)
                continue
            }
            let trimmed = String(line).trimmingSpaces()
            if trimmed.isEmpty {
                lastKey = nil
                continue
            }
            guard trimmed.hasPrefix("--") else {
                inHeader = false
                bodyLines.append(line)
                continue
            }
            let afterDashes = trimmed.dropFirst(2)
            if let key = lastKey, afterDashes.hasPrefix("   "), let entry = header[key] {
                let more = String(afterDashes).trimmingSpaces()
                header[key] = (entry.value.isEmpty ? more : entry.value + " " + more, entry.line)
                continue
            }
            lastKey = nil
            let content = String(afterDashes).trimmingSpaces()
            guard let colon = content.firstIndex(of: ":") else { continue }
            let key = String(content[..<colon]).trimmingSpaces()
            guard !key.isEmpty, key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" }) else {
                continue
            }
            guard headerKeys.contains(key) else {
                throw .malformed(
                    source: source, line: index + 1,
                    message: "unknown header key '\(key)' (allowed: \(headerKeys.joined(separator: ", ")))")
            }
            guard header[key] == nil else {
                throw .malformed(source: source, line: index + 1, message: "duplicate header key '\(key)'")
            }
            header[key] = (String(content[content.index(after: colon)...]).trimmingSpaces(), index + 1)
            lastKey = key
        }
        return (header, bodyLines.joined(separator: "\n").trimmingSpaces(), lines.count)
    }

    /// Whether a string is a SQL parameter name ([A-Za-z_][A-Za-z0-9_]*).
    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
