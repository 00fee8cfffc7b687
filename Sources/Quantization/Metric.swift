/// Which way a metric is better.
public enum MetricDirection: String, Sendable, CaseIterable {
    /// Smaller is better (errors, divergences).
    case lower
    /// Larger is better (overlaps).
    case higher
    /// Closer to zero is better (signed biases).
    case zero
}

/// Every per-trial metric of docs/science.md, under exactly its contract name (column, claim, JSON key).
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
    case nextKL = "next_kl"
    case pplRatio = "ppl_ratio"
    case nllDelta = "nll_delta"
    case nextTop1Agree = "next_top1_agree"

    /// Which trials measure a metric.
    public enum Level: String, Sendable, CaseIterable {
        /// One head's attention: synthetic and captured-data trials (every metric but the model-level ones).
        case attention
        /// A real model's next-token predictions on quantized caches (next_kl, ppl_ratio, nll_delta,
        /// next_top1_agree).
        case model
    }

    /// Whether trials of a level measure this metric (the others store it as not measured, NULL): the cost
    /// metrics bits_k and bits_v are measured at both levels.
    public func isMeasured(at level: Level) -> Bool {
        switch self {
        case .bitsK, .bitsV: return true
        case .nextKL, .pplRatio, .nllDelta, .nextTop1Agree: return level == .model
        default: return level == .attention
        }
    }

    /// Position in ``MetricValues``.
    public var index: Int { Metric.allCases.firstIndex(of: self) ?? 0 }

    /// Unit of the value.
    public var unit: String {
        switch self {
        case .kl, .klReverse, .js, .bhattacharyya, .entropyDelta, .klSecondOrder, .nextKL, .nllDelta: return "nats"
        case .kAngle, .vAngle, .oAngle: return "radians"
        case .logitBias, .logitVar: return "logit"
        case .bitsK, .bitsV: return "bits/coordinate"
        case .tv, .hellinger, .top1Flip, .top8Overlap, .jensenRatio, .kRelL2, .kNormRatio, .vRelL2,
            .vNormRatio, .oRelL2, .oNormRatio, .dist6Geo, .dist6Div, .pplRatio, .nextTop1Agree:
            return "ratio"
        }
    }

    /// Which way is better.
    public var direction: MetricDirection {
        switch self {
        case .top8Overlap, .nextTop1Agree: return .higher
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
        case .nextKL:
            return
                "KL(p_exact‖p_quant) of the model's next-token distribution, summed over the vocabulary, mean over positions"
        case .pplRatio: return "perplexity of the text on quantized caches / on exact ones (= exp(nll_delta))"
        case .nllDelta: return "mean next-token negative log-likelihood, quantized − exact, nats per token"
        case .nextTop1Agree: return "fraction of positions whose most likely next token is unchanged"
        }
    }
}

/// The metric values of one trial, indexed by ``Metric``.
public struct MetricValues: Sendable, Equatable {
    /// Values in ``Metric/allCases`` order.
    public var values: [Double]

    /// The value of a metric a trial does not measure (an attention metric of a model-level trial, or
    /// back): a NaN with its own payload, stored as NULL without a NaN bit, so it is neither a number nor a
    /// NaN the computation produced.
    public static let notMeasured = Double(nan: 0x6B76_6C61, signaling: false)

    /// The metrics this trial measured (not ``notMeasured``), in storage order.
    public var measured: [Metric] { Metric.allCases.filter { !Self.isNotMeasured(self[$0]) } }

    /// Whether `value` is ``notMeasured`` (bit for bit).
    public static func isNotMeasured(_ value: Double) -> Bool { value.bitPattern == notMeasured.bitPattern }

    /// The metrics of a trial of one level: that level's metrics zero, the others ``notMeasured``.
    public init(measuring level: Metric.Level = .attention) {
        values = Metric.allCases.map { $0.isMeasured(at: level) ? 0 : Self.notMeasured }
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
