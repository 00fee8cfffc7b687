import Quantization

/// The name of a switch a sweep spec sets, spelled as in sweep specs, config JSON and database columns.
///
/// The names are those of ``SwitchRegistry/specSwitches`` (every switch but the recipes, which a spec sets
/// through `scheme`), ordered as the registry declares them; the constants below are the names the
/// expansion treats specially.
public struct SwitchName: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String
    /// The position in the registry.
    private let order: Int

    /// The switch of that name, or nil when a spec cannot set it.
    public init?(rawValue: String) {
        guard let order = SwitchRegistry.specSwitches.firstIndex(where: { $0.name == rawValue }) else { return nil }
        self.rawValue = rawValue
        self.order = order
    }

    /// A name the code refers to (declared, so the force is checked by the registry tests).
    private init(declared name: String) { self.init(rawValue: name)! }

    public static let scheme = SwitchName(declared: "scheme")
    public static let rank = SwitchName(declared: "rank")
    public static let outliers = SwitchName(declared: "outliers")
    public static let dim = SwitchName(declared: "dim")
    public static let tokens = SwitchName(declared: "tokens")
    public static let queries = SwitchName(declared: "queries")
    public static let source = SwitchName(declared: "source")
    public static let layer = SwitchName(declared: "layer")
    public static let head = SwitchName(declared: "head")
    public static let model = SwitchName(declared: "model")
    public static let text = SwitchName(declared: "text")
    public static let positions = SwitchName(declared: "positions")
    public static let layers = SwitchName(declared: "layers")

    /// Every switch a spec may set, in registry order.
    public static var allCases: [SwitchName] { SwitchRegistry.specSwitches.map { SwitchName(declared: $0.name) } }

    /// The switch's declaration.
    public var declaration: SwitchDeclaration { SwitchRegistry.specSwitches[order] }

    /// What a value of this switch may be, in words (for error messages), from ``SwitchRegistry``.
    public var allowedValues: String { declaration.values }

    public var description: String { rawValue }

    /// Orders names as the registry declares them.
    public static func < (lhs: SwitchName, rhs: SwitchName) -> Bool { lhs.order < rhs.order }

    public static func == (lhs: SwitchName, rhs: SwitchName) -> Bool { lhs.rawValue == rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
