import Quantization

/// The name of a switch of docs/science.md, spelled as in sweep specs, config JSON and database columns.
///
/// Cases are in the order of the docs/science.md "Switches" table.
public enum SwitchName: String, CaseIterable, Sendable, Hashable, Comparable {
    case scheme, bits, distribution, rank, mixing, noise, outliers
    case outlierScale = "outlier_scale"
    case dim, tokens, queries
    case logitScale = "logit_scale"
    case rotation, qjl, codebook, baseline, norms
    case source, layer, head
    case model, text, positions, layers

    /// Every switch name, comma-separated, in table order (for error messages).
    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// What a value of this switch may be, in words (for error messages), from ``SwitchRegistry``.
    public var allowedValues: String { SwitchRegistry[rawValue].values }

    /// Orders names as in the docs/science.md table.
    public static func < (lhs: SwitchName, rhs: SwitchName) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

}
