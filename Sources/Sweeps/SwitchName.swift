import Quantization

/// The name of a switch of SCIENCE.md, spelled as in sweep specs, config JSON and database columns.
///
/// Cases are in the order of the SCIENCE.md "Switches" table.
public enum SwitchName: String, CaseIterable, Sendable, Hashable, Comparable {
    case scheme, bits, distribution, rank, mixing, noise, outliers
    case outlierScale = "outlier_scale"
    case dim, tokens, queries
    case logitScale = "logit_scale"
    case rotation, qjl, codebook, baseline, norms

    /// Every switch name, comma-separated, in table order (for error messages).
    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// What a value of this switch may be, in words (for error messages).
    public var allowedValues: String {
        switch self {
        case .scheme:
            return Self.words(Scheme.shipped.map(\.name))
                + ", a name declared under schemes:, or KEY+VALUE (recipes mse, prod, baseline)"
        case .distribution: return Self.words(Distribution.allCases.map(\.rawValue))
        case .mixing: return Self.words(Mixing.allCases.map(\.rawValue))
        case .rotation: return Self.words(RotationKind.allCases.map(\.rawValue))
        case .qjl: return Self.words(QJLKind.allCases.map(\.rawValue))
        case .codebook: return Self.words(CodebookLaw.allCases.map(\.rawValue))
        case .baseline: return Self.words(Baseline.allCases.map(\.rawValue))
        case .norms: return Self.words(NormPrecision.allCases.map(\.rawValue))
        case .bits: return "an integer in 1…8"
        case .rank: return "an integer in 1…dim, or full"
        case .outliers: return "an integer in 0…dim"
        case .dim: return "a power of two in 16…4096"
        case .tokens: return "an integer in 1…1048576"
        case .queries: return "an integer in 1…65536"
        case .noise: return "a number ≥ 0"
        case .outlierScale, .logitScale: return "a number > 0"
        }
    }

    /// Orders names as in the SCIENCE.md table.
    public static func < (lhs: SwitchName, rhs: SwitchName) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    private static func words(_ values: [String]) -> String { values.joined(separator: ", ") }
}
