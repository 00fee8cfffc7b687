import Foundation
import Testing

@testable import Quantization

/// Captured data as a data source: the cache is the first N positions, the queries the last Q positions
/// read by the KV head's G query heads, each causal; random quantizer streams are scoped to (layer, head).
@Suite struct CapturedSourceTests {
    /// T = 6 tokens, d = 3, G = 2: value = 100·tensor + 10·t + c, so every entry says where it came from.
    static func head() -> CapturedHead {
        func tensor(_ id: Int) -> [Float] {
            (0..<6).flatMap { t in (0..<3).map { c in Float(100 * id + 10 * t + c) } }
        }
        return CapturedHead(keys: tensor(1), values: tensor(2), queryHeads: [tensor(3), tensor(4)], tokens: 6, dim: 3)
    }

    @Test("N = 5, Q = 2: keys and values are positions 0…4; queries are positions 3 and 4, each for both heads")
    func layout() {
        let source = CapturedSource(head: Self.head(), tokens: 5, queries: 2, logitScale: 1)
        let data = source.trialData(seed: 1, trial: 0)
        #expect(data.keys.rows == 5 && data.values.rows == 5 && data.keys.cols == 3)
        #expect(data.keys.row(4) == [140, 141, 142] && data.values.row(0) == [200, 201, 202])
        #expect(data.queries.rows == 4)
        #expect(data.queries.row(0) == [330, 331, 332] && data.queries.row(1) == [430, 431, 432])
        #expect(data.queries.row(2) == [340, 341, 342] && data.queries.row(3) == [440, 441, 442])
        #expect(data.prefixLengths == [4, 4, 5, 5])
        // No data randomness: every (seed, trial) gets the same inputs.
        #expect(source.trialData(seed: 9, trial: 3).queries == data.queries)
    }

    @Test("scoped streams: deterministic, different from the unscoped stream and from every other scope")
    func scopedStreams() {
        func first(_ scope: StreamScope?) -> UInt64 {
            var s = RandomStream(seed: 3, trial: 1, role: .keyRotation, scope: scope)
            return s.next()
        }
        #expect(
            first(nil)
                == {
                    var s = RandomStream(seed: 3, trial: 1, role: .keyRotation); return s.next()
                }())
        let values = [
            nil, StreamScope(layer: 0, head: 0), StreamScope(layer: 0, head: 1), StreamScope(layer: 1, head: 0),
        ]
        .map(first)
        #expect(Set(values).count == 4)
        #expect(first(StreamScope(layer: 1, head: 0)) == first(StreamScope(layer: 1, head: 0)))
    }

    @Test("trials of a dataset differ only through R and S: the baseline KV gives the same value for every seed")
    func baselineIsDeterministic() throws {
        var config = TrialConfig()
        config.source = String(repeating: "0", count: 64)
        config.layer = 0
        config.head = 0
        config.dim = 3
        config.tokens = 5
        config.queries = 2
        config.rotation = .haar
        config.scheme = .KV
        try config.validate()
        // Smooth pseudo-random values of unit scale, so attention is neither uniform nor one-hot.
        func tensor(_ id: Int) -> [Float] { (0..<18).map { Float(sin(Double(7 * id + 3 * $0) * 1.3)) } }
        let head = CapturedHead(
            keys: tensor(1), values: tensor(2), queryHeads: [tensor(3), tensor(4)], tokens: 6, dim: 3)
        let source = CapturedSource(head: head, tokens: 5, queries: 2, logitScale: 4)
        let engine = TrialEngine()
        func kl(seed: Int, scheme: Scheme) -> Double {
            var c = config
            c.logitScale = 4
            c.scheme = scheme
            let prepared = PreparedTrial(
                key: c.dataKey, data: source.trialData(seed: seed, trial: 0), seed: seed, trial: 0)
            return engine.evaluate(c, on: prepared)[.kl]
        }
        #expect(kl(seed: 1, scheme: .KV) == kl(seed: 2, scheme: .KV))
        #expect(kl(seed: 1, scheme: .KQV) != kl(seed: 2, scheme: .KQV))
    }
}
