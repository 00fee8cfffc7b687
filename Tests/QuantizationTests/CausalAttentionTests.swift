import Statistics
import Testing

@testable import Quantization

/// The data-source seam's causal attention: a query with prefix length L gives exactly what it gives on
/// the cache cut to its first L tokens (an independent computation: no masking involved there).
@Suite("causal attention through TrialData.prefixLengths")
struct CausalAttentionTests {
    /// A cache of `tokens` rows and `queries` query rows of width `dim`, from the synthetic generator.
    static func data(tokens: Int, queries: Int, dim: Int) -> TrialData {
        var key = TrialConfig().dataKey
        key.tokens = tokens
        key.queries = queries
        key.dim = dim
        key.rank = dim
        return SyntheticSource(key: key).trialData(seed: 7, trial: 3)
    }

    /// The first `count` rows of a matrix.
    static func head(_ m: Matrix, _ count: Int) -> Matrix {
        Matrix(rows: count, cols: m.cols, storage: Array(m.storage[0..<(count * m.cols)]))
    }

    /// Row `i` of a matrix as a one-row matrix.
    static func rowMatrix(_ m: Matrix, _ i: Int) -> Matrix { Matrix(rows: 1, cols: m.cols, storage: m.row(i)) }

    /// Every attention metric: means over queries, so one query's value is its own.
    static let attentionMetrics: [Metric] = [
        .kl, .klReverse, .js, .tv, .hellinger, .bhattacharyya, .top1Flip, .top8Overlap, .logitBias, .logitVar,
        .entropyDelta, .oAngle, .oRelL2, .oNormRatio,
    ]

    @Test("reference attention and metrics of a prefix equal those of the truncated cache, bit for bit")
    func prefixEqualsTruncation() throws {
        let full = Self.data(tokens: 37, queries: 6, dim: 16)
        let prefixes = [1, 2, 7, 8, 23, 37]  // a lone token, the top-8 edge, the whole cache
        let causal = TrialData(keys: full.keys, values: full.values, queries: full.queries, prefixLengths: prefixes)
        // Some decoded K̂ and V̂: the engine's quantizers at 2 bits.
        var config = TrialConfig()
        config.dim = 16
        config.bits = 2
        let engine = TrialEngine()
        let (qk, qv) = engine.quantizers(config, seed: 7, trial: 3)
        let keys = qk.reconstruct(full.keys)
        let values = qv.reconstruct(full.values)
        let reference = ReferenceAttention(data: causal, logitScale: 2)
        let metrics = TrialMetrics.compute(
            data: causal, reference: reference, keys: keys, values: values, bitsK: 2, bitsV: 2)
        var sums = [Metric: Double]()
        for (i, length) in prefixes.enumerated() {
            let cut = TrialData(
                keys: Self.head(full.keys, length), values: Self.head(full.values, length),
                queries: Self.rowMatrix(full.queries, i))
            let cutReference = ReferenceAttention(data: cut, logitScale: 2)
            for j in 0..<length {
                #expect(reference.logProbabilities[i, j] == cutReference.logProbabilities[0, j], "query \(i) key \(j)")
            }
            for j in length..<37 {
                #expect(reference.logProbabilities[i, j] == -.infinity)
                #expect(reference.probabilities[i, j] == 0)
            }
            #expect(reference.outputs.row(i) == cutReference.outputs.row(0), "query \(i)")
            // The reference's top tokens (found once for every scheme): the largest visible logits, ties to the
            // earlier token, by a sort.
            let logits = reference.logits.row(i)
            let sorted = (0..<length).sorted { (logits[$0], -$0) > (logits[$1], -$1) }
            #expect(reference.topTokens[i] == Array(sorted.prefix(min(8, length))), "query \(i)")
            #expect(cutReference.topTokens[0] == reference.topTokens[i])
            let one = TrialMetrics.compute(
                data: cut, reference: cutReference, keys: Self.head(keys, length), values: Self.head(values, length),
                bitsK: 2, bitsV: 2)
            for metric in Self.attentionMetrics { sums[metric, default: 0] += one[metric] }
            #expect(one[.kl] >= 0 && one[.kl].isFinite)
        }
        for metric in Self.attentionMetrics {
            let expected = sums[metric, default: 0] / Double(prefixes.count)
            #expect(
                abs(metrics[metric] - expected) <= 1e-15 * max(1, abs(expected)),
                "\(metric): \(metrics[metric]) vs \(expected)")
        }
        // A lone visible token: attention is certain, nothing can flip or diverge.
        let lone = TrialData(
            keys: Self.head(full.keys, 1), values: Self.head(full.values, 1), queries: Self.rowMatrix(full.queries, 0))
        let loneMetrics = TrialMetrics.compute(
            data: lone, reference: ReferenceAttention(data: lone, logitScale: 2), keys: Self.head(keys, 1),
            values: Self.head(values, 1), bitsK: 2, bitsV: 2)
        #expect(loneMetrics[.kl] == 0 && loneMetrics[.top1Flip] == 0 && loneMetrics[.top8Overlap] == 1)
    }

    @Test("without prefix lengths nothing changes: full prefixes give the same bits as none")
    func fullPrefixesAreTheDefault() {
        let data = Self.data(tokens: 40, queries: 5, dim: 16)
        let explicit = TrialData(
            keys: data.keys, values: data.values, queries: data.queries, prefixLengths: Array(repeating: 40, count: 5))
        let a = ReferenceAttention(data: data, logitScale: 1)
        let b = ReferenceAttention(data: explicit, logitScale: 1)
        #expect(a.logProbabilities.storage == b.logProbabilities.storage)
        #expect(a.outputs.storage == b.outputs.storage)
    }
}
