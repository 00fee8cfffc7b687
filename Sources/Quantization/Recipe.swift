/// How one side of the cache (K or V) is encoded and decoded at a budget of n code bits per coordinate.
public enum Recipe: Sendable, Hashable {
    /// TurboQuant_mse(n): store ‖x‖, rotate x/‖x‖, n-bit Lloyd–Max per coordinate.
    case turboMSE
    /// TurboQuant_prod(n): TurboQuant_mse(n−1) plus a 1-bit QJL sketch of the residual.
    case turboProd
    /// The KV scheme's per-coordinate baseline (kv-beta or kv-uniform, from the config).
    case baseline

    /// Whether the recipe uses the random rotation.
    public var usesRotation: Bool { self != .baseline }
    /// Whether the recipe uses the QJL sketch.
    public var usesSketch: Bool { self == .turboProd }
}

extension Scheme {
    /// The scheme as a (K recipe, V recipe) pair: adding a scheme is one line here.
    public var recipes: (key: Recipe, value: Recipe) {
        switch self {
        case .KV: return (.baseline, .baseline)
        case .KQV: return (.turboMSE, .turboProd)
        case .QKQV: return (.turboProd, .turboProd)
        }
    }
}
