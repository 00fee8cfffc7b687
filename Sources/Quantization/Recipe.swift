/// How one side of the cache (K or V) is encoded and decoded at a budget of n code bits per coordinate.
///
/// The raw values are the names used in sweep specs (`schemes: {MSE2: {key: mse, value: mse}}`), the
/// `key_recipe`/`value_recipe` columns and `kvlab trial --key-recipe`.
public enum Recipe: String, CaseIterable, Sendable, Hashable, Codable {
    /// TurboQuant_mse(n): store ‖x‖, rotate x/‖x‖, n-bit Lloyd–Max per coordinate.
    case turboMSE = "mse"
    /// TurboQuant_prod(n): TurboQuant_mse(n−1) plus a 1-bit QJL sketch of the residual.
    case turboProd = "prod"
    /// The per-coordinate baseline quantizer of the `baseline` switch (kv-beta or kv-uniform).
    case baseline

    /// Whether the recipe uses the random rotation.
    public var usesRotation: Bool { self != .baseline }
    /// Whether the recipe uses the QJL sketch.
    public var usesSketch: Bool { self == .turboProd }
}
