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
