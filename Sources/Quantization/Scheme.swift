/// A quantization scheme: a named (K recipe, V recipe) pair (docs/science.md "Switches").
///
/// The paper's three are shipped: KV = (baseline, baseline), KQV = (mse, prod), QKQV = (prod, prod). Any
/// other pair is a scheme too: a sweep spec declares a name for it (`schemes: {MSE2: {key: mse, value:
/// mse}}`), and an undeclared pair is named `KEY+VALUE` (e.g. `mse+mse`). The identity of a scheme is its
/// recipe pair: a shipped scheme's name stands for its pair in the config hash (so no stage-one hash
/// changed), any other scheme's hash holds the two recipes and its name is a label.
public struct Scheme: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The scheme's name (a label for a declared scheme).
    public let name: String
    /// The recipe of K.
    public let key: Recipe
    /// The recipe of V.
    public let value: Recipe

    /// Baseline scalar quantizer for both K and V.
    public static let KV = Scheme(uncheckedName: "KV", key: .baseline, value: .baseline)
    /// TurboQuant_mse for K, TurboQuant_prod for V.
    public static let KQV = Scheme(uncheckedName: "KQV", key: .turboMSE, value: .turboProd)
    /// TurboQuant_prod for both K and V.
    public static let QKQV = Scheme(uncheckedName: "QKQV", key: .turboProd, value: .turboProd)

    /// The shipped schemes, in the paper's order.
    public static let shipped: [Scheme] = [.KV, .KQV, .QKQV]

    /// The shipped schemes (the cases of the former enum; kept for callers that list the paper's schemes).
    public static var allCases: [Scheme] { shipped }

    /// The name (compatibility with the former enum's raw value).
    public var rawValue: String { name }

    /// A shipped scheme by name.
    public init?(rawValue: String) {
        guard let scheme = Self.shipped.first(where: { $0.name == rawValue }) else { return nil }
        self = scheme
    }

    private init(uncheckedName name: String, key: Recipe, value: Recipe) {
        self.name = name
        self.key = key
        self.value = value
    }

    /// The scheme of a recipe pair without a declared name: the shipped scheme of that pair, else
    /// `KEY+VALUE`.
    public static func pair(key: Recipe, value: Recipe) -> Scheme {
        shipped.first { $0.key == key && $0.value == value }
            ?? Scheme(uncheckedName: "\(key.rawValue)+\(value.rawValue)", key: key, value: value)
    }

    /// The scheme a name stands for outside a spec: a shipped name, or `KEY+VALUE` (recipes mse, prod,
    /// baseline); nil for anything else.
    public init?(naming text: String) {
        if let shipped = Self(rawValue: text) {
            self = shipped
            return
        }
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 2, let key = Recipe(rawValue: String(parts[0])),
            let value = Recipe(rawValue: String(parts[1]))
        else { return nil }
        self = Self.pair(key: key, value: value)
    }

    /// Declares a name for a recipe pair.
    ///
    /// - Throws: ``ConfigError`` (key `schemes`) for a malformed name, a shipped name bound to another pair,
    ///   a second name for a shipped pair, or a name of the `KEY+VALUE` form that names another pair.
    public init(declaring name: String, key: Recipe, value: Recipe) throws(ConfigError) {
        let allowed = name.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
                || "_-.+".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, name.count <= 40, allowed else {
            throw ConfigError(
                key: "schemes",
                message: "'\(name)' is not a scheme name (1–40 letters, digits, '_', '-', '.' or '+')")
        }
        let pair = Self.pair(key: key, value: value)
        if let shipped = Self.shipped.first(where: { $0.name == name }), shipped != pair {
            throw ConfigError(
                key: "schemes", message: "\(name) is a shipped scheme (\(shipped.recipeText)); choose another name")
        }
        if Self.shipped.contains(pair), pair.name != name {
            throw ConfigError(
                key: "schemes", message: "\(pair.recipeText) is the shipped scheme \(pair.name); use that name")
        }
        if name.contains("+"), name != pair.name {
            throw ConfigError(
                key: "schemes", message: "'\(name)' names another recipe pair; a name with '+' must be \(pair.name)")
        }
        self.init(uncheckedName: name, key: key, value: value)
    }

    /// Whether this is one of the paper's three schemes.
    public var isShipped: Bool { Self.shipped.contains(self) }

    /// `key: mse, value: prod`.
    public var recipeText: String { "key: \(key.rawValue), value: \(value.rawValue)" }

    /// Whether a side of the scheme uses the random rotation.
    public var usesRotation: Bool { key.usesRotation || value.usesRotation }
    /// Whether a side of the scheme uses the QJL sketch.
    public var usesSketch: Bool { key.usesSketch || value.usesSketch }
    /// Whether a side of the scheme is the baseline quantizer.
    public var usesBaseline: Bool { key == .baseline || value == .baseline }

    /// The scheme as a (K recipe, V recipe) pair.
    public var recipes: (key: Recipe, value: Recipe) { (key, value) }

    public var description: String { name }
}
