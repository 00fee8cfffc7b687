import ExperimentStore
import Quantization

extension ClaimFile.Parameter {
    /// The values of the parameters named after a switch with a closed set of values: a claim that binds
    /// `:mixing` compares it with the `mixing` column, so any other value would only find no data.
    static let switchValues: [String: [SQLValue]] = [
        "bits": (1...8).map { .integer(Int64($0)) },
        "mixing": Mixing.allCases.map { .text($0.rawValue) },
        "distribution": Distribution.allCases.map { .text($0.rawValue) },
    ]

    /// What this parameter takes, when `value` (a `--param` override) is not supported; nil when it is.
    ///
    /// An override must have the default's type (an integer for an integer default, a number for a decimal
    /// one; a text default takes any value), and a parameter named after a switch of ``switchValues`` takes
    /// one of that switch's values or the claim's own default (e.g. `mixing=any` where the claim reads `any`
    /// as both).
    func expectation(unless value: SQLValue) -> String? {
        switch (self.value, value) {
        case (.integer, .integer), (.real, .integer), (.real, .real), (.text, _), (.null, _), (.blob, _): break
        case (.integer, _): return "an integer"
        case (.real, _): return "a number"
        }
        guard let allowed = Self.switchValues[name], value != self.value, !allowed.contains(value) else { return nil }
        let values = (allowed.contains(self.value) ? allowed : [self.value] + allowed).map {
            TableOutput.text($0) ?? "NULL"
        }
        return "one of " + values.joined(separator: ", ")
    }
}
