/// Which way a metric is better.
public enum MetricDirection: String, Sendable, CaseIterable {
    /// Smaller is better (errors, divergences).
    case lower
    /// Larger is better (overlaps).
    case higher
    /// Closer to zero is better (signed biases).
    case zero
}

/// Every per-trial metric of SCIENCE.md, under exactly its contract name (column, claim, JSON key).
///
/// The case order is the storage order of ``MetricValues``.
public enum Metric: String, CaseIterable, Sendable, Hashable {
    case kl
    case klReverse = "kl_reverse"
    case js
    case tv
    case hellinger
    case bhattacharyya
    case top1Flip = "top1_flip"
    case top8Overlap = "top8_overlap"
    case logitBias = "logit_bias"
    case logitVar = "logit_var"
    case entropyDelta = "entropy_delta"
    case klSecondOrder = "kl_second_order"
    case jensenRatio = "jensen_ratio"
    case kAngle = "k_angle"
    case kRelL2 = "k_rel_l2"
    case kNormRatio = "k_norm_ratio"
    case vAngle = "v_angle"
    case vRelL2 = "v_rel_l2"
    case vNormRatio = "v_norm_ratio"
    case oAngle = "o_angle"
    case oRelL2 = "o_rel_l2"
    case oNormRatio = "o_norm_ratio"
    case dist6Geo = "dist6_geo"
    case dist6Div = "dist6_div"
    case bitsK = "bits_k"
    case bitsV = "bits_v"

    /// Position in ``MetricValues``.
    public var index: Int { Metric.allCases.firstIndex(of: self) ?? 0 }

    /// Unit of the value.
    public var unit: String {
        switch self {
        case .kl, .klReverse, .js, .bhattacharyya, .entropyDelta, .klSecondOrder: return "nats"
        case .kAngle, .vAngle, .oAngle: return "radians"
        case .logitBias, .logitVar: return "logit"
        case .bitsK, .bitsV: return "bits/coordinate"
        case .tv, .hellinger, .top1Flip, .top8Overlap, .jensenRatio, .kRelL2, .kNormRatio, .vRelL2,
            .vNormRatio, .oRelL2, .oNormRatio, .dist6Geo, .dist6Div:
            return "ratio"
        }
    }

    /// Which way is better.
    public var direction: MetricDirection {
        switch self {
        case .top8Overlap: return .higher
        case .logitBias, .kNormRatio, .vNormRatio, .oNormRatio, .entropyDelta: return .zero
        default: return .lower
        }
    }

    /// One-line description (stored in the database's metric table).
    public var summary: String {
        switch self {
        case .kl: return "KL(p_ref‖p_quant) of the attention weights, mean over queries"
        case .klReverse: return "KL(p_quant‖p_ref), mean over queries"
        case .js: return "Jensen–Shannon divergence (nats), mean over queries"
        case .tv: return "total variation ½‖p − p̂‖₁, mean over queries"
        case .hellinger: return "Hellinger distance √(1 − Σ√(p p̂)), mean over queries"
        case .bhattacharyya: return "Bhattacharyya distance −ln Σ√(p p̂), mean over queries"
        case .top1Flip: return "fraction of queries whose argmax token changed"
        case .top8Overlap: return "Jaccard overlap of the top-min(8,N) token sets, mean over queries"
        case .logitBias: return "p-weighted mean of the logit error ŝ − s, mean over queries"
        case .logitVar: return "p-weighted variance of the logit error ŝ − s, mean over queries"
        case .entropyDelta: return "H(p̂) − H(p), mean over queries"
        case .klSecondOrder: return "½·logit_var: the small-noise prediction of KL"
        case .jensenRatio: return "kl / kl_second_order (ratio of the query means; 1 when both are 0)"
        case .kAngle: return "angle between k and k̂ (the paper's geometric K error), mean over tokens"
        case .kRelL2: return "‖k − k̂‖/‖k‖, mean over tokens"
        case .kNormRatio: return "‖k̂‖/‖k‖ − 1, mean over tokens"
        case .vAngle: return "angle between v and v̂, mean over tokens"
        case .vRelL2: return "‖v − v̂‖/‖v‖, mean over tokens"
        case .vNormRatio: return "‖v̂‖/‖v‖ − 1, mean over tokens"
        case .oAngle: return "angle between o = Σpv and ô = Σp̂v̂, mean over queries"
        case .oRelL2: return "‖o − ô‖/‖o‖, mean over queries"
        case .oNormRatio: return "‖ô‖/‖o‖ − 1, mean over queries"
        case .dist6Geo: return "6D distance ‖(Δr_K, Δθ_K, Δr_V, Δθ_V, Δr_O, Δθ_O)‖₂, mean over queries"
        case .dist6Div: return "‖(kl, kl_reverse, js, tv, hellinger, bhattacharyya)‖₂, mean over queries"
        case .bitsK: return "effective bits per K coordinate, stored floats included"
        case .bitsV: return "effective bits per V coordinate, stored floats included"
        }
    }
}

/// The metric values of one trial, indexed by ``Metric``.
public struct MetricValues: Sendable, Equatable {
    /// Values in ``Metric/allCases`` order.
    public var values: [Double]

    /// All metrics zero.
    public init() {
        values = Array(repeating: 0, count: Metric.allCases.count)
    }

    /// The value of one metric.
    public subscript(metric: Metric) -> Double {
        get { values[metric.index] }
        set { values[metric.index] = newValue }
    }

    /// Bitwise equality (distinguishes NaN payloads and ±0), for determinism checks.
    public func bitwiseEqual(_ other: MetricValues) -> Bool {
        values.count == other.values.count
            && zip(values, other.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
