import ExperimentStore

extension ClaimFile.Parameter {
    /// The value as it would be typed in `--param` (text that would parse as a number is quoted as an SQL
    /// literal).
    var literal: String {
        guard case .text(let s) = value else { return TableOutput.text(value) ?? "NULL" }
        return SQLValue.parse(s) == value ? s : "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `name=value, …` with each value as its ``literal``.
    public static func text(_ parameters: [ClaimFile.Parameter]) -> String {
        parameters.map { "\($0.name)=\($0.literal)" }.joined(separator: ", ")
    }

    /// Parameter values as a JSON object keyed by name.
    static func json(_ parameters: [ClaimFile.Parameter]) -> JSONValue {
        .object(parameters.map { ($0.name, TableOutput.json($0.value)) })
    }
}

extension ClaimFile {
    /// The description with every `:name` of a parameter replaced by its value as typed in `--param`
    /// (`At n = :bits bits` → `At n = 4 bits`); a `:word` that names no parameter is left as written.
    ///
    /// - Parameter parameters: the bound values (header defaults with overrides).
    public func description(with parameters: [Parameter]) -> String {
        let values = Dictionary(parameters.map { ($0.name, $0.literal) }, uniquingKeysWith: { first, _ in first })
        func isNameCharacter(_ c: Character) -> Bool { c == "_" || c.isLetter || c.isNumber }
        var out = ""
        var rest = Substring(description)
        while let colon = rest.firstIndex(of: ":") {
            out += rest[..<colon]
            let after = rest.index(after: colon)
            let end = rest[after...].firstIndex { !isNameCharacter($0) } ?? rest.endIndex
            let name = String(rest[after..<end])
            if let first = name.first, !first.isNumber, let value = values[name] {
                out += value
                rest = rest[end...]
            } else {
                out += ":"
                rest = rest[after...]
            }
        }
        return out + rest
    }
}
