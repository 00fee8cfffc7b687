/// The distribution of the latent factors Z of the data generator.
public enum Distribution: String, CaseIterable, Sendable, Codable, Hashable {
    case gaussian, t10, t5, t3, laplace

    /// Student-t degrees of freedom ν, or nil for the non-t laws.
    public var nu: Int? {
        switch self {
        case .t10: return 10
        case .t5: return 5
        case .t3: return 3
        case .gaussian, .laplace: return nil
        }
    }
}

/// How latent factors are mixed into the d coordinates.
public enum Mixing: String, CaseIterable, Sendable, Codable, Hashable {
    /// W i.i.d. N(0, 1/r): isotropic.
    case dense
    /// W selects r random coordinates: anisotropic, like real keys.
    case axis
}

/// The random rotation applied before scalar quantization.
public enum RotationKind: String, CaseIterable, Sendable, Codable, Hashable {
    case wht1, wht2, wht3, haar, none

    /// Number of randomized Hadamard rounds (H·D), 0 for haar and none.
    public var hadamardRounds: Int {
        switch self {
        case .wht1: return 1
        case .wht2: return 2
        case .wht3: return 3
        case .haar, .none: return 0
        }
    }
}

/// The QJL sketch matrix S.
public enum QJLKind: String, CaseIterable, Sendable, Codable, Hashable {
    /// i.i.d. N(0, 1) entries, α = √(π/2)/d.
    case gaussian
    /// √d · O with O Haar-orthogonal.
    case orthogonal
    /// √d · (H·D₂)(H·D₁), two randomized Hadamard rounds.
    case hadamard
}

/// The law a Lloyd-Max codebook is optimised for.
public enum CodebookLaw: String, CaseIterable, Sendable, Codable, Hashable {
    /// The exact marginal of one coordinate of a uniform point on S^{d−1}.
    case beta
    /// N(0, 1/d).
    case gaussian
}

/// The per-coordinate baseline quantizer of the KV scheme.
public enum Baseline: String, CaseIterable, Sendable, Codable, Hashable {
    /// Normalise, store the norm, n-bit Lloyd-Max per coordinate in the original basis.
    case kvBeta = "kv-beta"
    /// Per-token asymmetric min-max uniform quantizer over 2^n levels.
    case kvUniform = "kv-uniform"
}

/// Precision of every stored per-vector float (norms, γ, min and scale).
public enum NormPrecision: String, CaseIterable, Sendable, Codable, Hashable {
    case f32, f16

    /// Bits one stored float costs.
    public var bitsPerFloat: Int { self == .f32 ? 32 : 16 }

    /// Rounds a value as it would be stored.
    ///
    /// - Parameter x: the exact value.
    /// - Returns: `x` rounded through `Float` or `Float16`.
    @inlinable
    public func round(_ x: Double) -> Double {
        switch self {
        case .f32: return Double(Float(x))
        case .f16: return Double(Float16(Float(x)))
        }
    }
}
