import Testing

@testable import Quantization

@Suite("Determinism and pairing")
struct DeterminismTests {
    static func config(_ scheme: Scheme, bits: Int = 3) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        c.bits = bits
        c.dim = 32
        c.tokens = 48
        c.queries = 6
        c.distribution = .t5
        c.mixing = .axis
        c.rank = 8
        c.outliers = 2
        return c
    }

    @Test("same (config, seed, trial) ⇒ bit-identical metrics across calls, engines and threads")
    func bitIdentical() async {
        let configs = Scheme.allCases.map { Self.config($0) }
        let reference = configs.map { TrialEngine().run($0, seed: 7, trial: 3) }
        let shared = TrialEngine()
        let results = await withTaskGroup(of: (Int, MetricValues).self) { group in
            for round in 0..<4 {
                for (i, c) in configs.enumerated() {
                    group.addTask { (i, (round % 2 == 0 ? shared : TrialEngine()).run(c, seed: 7, trial: 3)) }
                }
            }
            var out: [(Int, MetricValues)] = []
            for await r in group { out.append(r) }
            return out
        }
        for (i, m) in results { #expect(m.bitwiseEqual(reference[i])) }
        #expect(!TrialEngine().run(configs[0], seed: 7, trial: 4).bitwiseEqual(reference[0]))
        #expect(!TrialEngine().run(configs[0], seed: 8, trial: 3).bitwiseEqual(reference[0]))
    }

    @Test("evaluating on shared prepared data equals evaluating alone")
    func sharedPreparation() {
        let engine = TrialEngine()
        let prepared = PreparedTrial(key: Self.config(.KV).dataKey, seed: 2, trial: 1)
        for scheme in Scheme.allCases {
            for bits in [1, 4] {
                let c = Self.config(scheme, bits: bits)
                #expect(engine.evaluate(c, on: prepared).bitwiseEqual(engine.run(c, seed: 2, trial: 1)))
            }
        }
    }

    @Test("a batch of configs on one prepared trial (shared R, S and reconstructions) equals each config alone")
    func sharedBatch() {
        var configs: [TrialConfig] = []
        for scheme in Scheme.allCases {
            for bits in [1, 2, 4] { configs.append(Self.config(scheme, bits: bits)) }
        }
        // Variants that must not share with the plain configs (or must, where a switch does not apply).
        func variant(_ scheme: Scheme, _ change: (inout TrialConfig) -> Void) -> TrialConfig {
            var c = Self.config(scheme, bits: 4)
            change(&c)
            return c
        }
        configs += [
            variant(.QKQV) { $0.qjl = .hadamard }, variant(.KQV) { $0.codebook = .gaussian },
            variant(.KQV) { $0.rotation = .none }, variant(.KQV) { $0.norms = .f16 },
            variant(.KV) { $0.baseline = .kvUniform },
            variant(.KV) { $0.rotation = .haar },  // not used by KV: shares with the plain KV config
        ]
        let engine = TrialEngine()
        let prepared = PreparedTrial(key: configs[0].dataKey, seed: 4, trial: 2)
        let batch = engine.evaluate(configs + configs.reversed(), on: prepared)
        for (i, config) in (configs + configs.reversed()).enumerated() {
            #expect(batch[i].bitwiseEqual(TrialEngine().run(config, seed: 4, trial: 2)), "config \(i)")
        }
        // Each variant (indices 9…14) against the plain config of its scheme at 4 bits: the five that change
        // a switch the scheme uses differ (no false sharing); KV with another rotation equals plain KV.
        func plain(_ scheme: Scheme) -> MetricValues {
            batch[configs.firstIndex { $0.scheme == scheme && $0.bits == 4 }!]
        }
        for variant in 9..<14 {
            #expect(!batch[variant].bitwiseEqual(plain(configs[variant].scheme)), "variant \(variant)")
        }
        #expect(batch[14].bitwiseEqual(plain(.KV)))
        // Only reconstructions still needed by a later config stay cached.
        let engine2 = TrialEngine()
        var shared = SharedWork(engine: engine2, seed: 4, trial: 2, scope: nil)
        let quantizers = configs.map { shared.quantizers($0) }
        shared.planUses(quantizers)
        var largest = 0
        for q in quantizers {
            _ = shared.reconstruction(prepared.data.keys, q.key, side: .key)
            _ = shared.reconstruction(prepared.data.values, q.value, side: .value)
            largest = max(largest, shared.reconstructions.count)
        }
        #expect(shared.reconstructions.isEmpty)
        // Most at once, right after KQV at 4 bits: K̂ and V̂ of KV at 4 bits (used again by the last config)
        // and V̂ of KQV at 1, 2 and 4 bits (used again by QKQV).
        #expect(largest == 5)
    }

    @Test("data depend only on data switches, seed and trial")
    func dataPairing() {
        let a = Self.config(.KV, bits: 2)
        var b = Self.config(.QKQV, bits: 7)
        b.rotation = .haar
        b.qjl = .hadamard
        b.codebook = .gaussian
        b.norms = .f16
        #expect(a.dataKey == b.dataKey)
        let da = TrialData.generate(a.dataKey, seed: 4, trial: 2)
        let db = TrialData.generate(b.dataKey, seed: 4, trial: 2)
        #expect(da.keys == db.keys && da.values == db.values && da.queries == db.queries)
        let dc = TrialData.generate(a.dataKey, seed: 4, trial: 3)
        #expect(da.keys != dc.keys)
    }

    @Test("every scheme and budget sees the same R and S; KQV and QKQV give identical V metrics")
    func quantizerPairing() {
        let engine = TrialEngine()
        let kqv = engine.quantizers(Self.config(.KQV, bits: 2), seed: 5, trial: 0)
        let qkqv = engine.quantizers(Self.config(.QKQV, bits: 5), seed: 5, trial: 0)
        let x = (0..<32).map { Double($0 % 7) - 3 }
        #expect(kqv.key.rotation?.applied(to: x) == qkqv.key.rotation?.applied(to: x))
        #expect(kqv.value.rotation?.applied(to: x) == qkqv.value.rotation?.applied(to: x))
        #expect(kqv.key.rotation?.applied(to: x) != kqv.value.rotation?.applied(to: x))
        var z = [Double](repeating: 0, count: 32)
        var z2 = [Double](repeating: 0, count: 32)
        x.withUnsafeBufferPointer { xb in
            qkqv.key.sketch?.signs(of: xb.baseAddress!, into: &z)
            engine.quantizers(Self.config(.QKQV, bits: 1), seed: 5, trial: 0).key.sketch?.signs(
                of: xb.baseAddress!, into: &z2)
        }
        #expect(z == z2)
        for bits in [1, 3, 6] {
            let m1 = engine.run(Self.config(.KQV, bits: bits), seed: 5, trial: 0)
            let m2 = engine.run(Self.config(.QKQV, bits: bits), seed: 5, trial: 0)
            for metric in [Metric.vAngle, .vRelL2, .vNormRatio, .bitsV] {
                #expect(m1[metric].bitPattern == m2[metric].bitPattern, "\(metric) at \(bits) bits")
            }
            #expect(m1[.kAngle] != m2[.kAngle])
        }
    }

    @Test("resolved configs null the switches that do not apply")
    func resolution() {
        var c = TrialConfig()
        c.scheme = .KV
        c.baseline = .kvUniform
        let r = c.resolved
        #expect(
            r[switch: "rotation"] == .null && r[switch: "qjl"] == .null && r[switch: "codebook"] == .null
                && r.baseline == .kvUniform)
        #expect(r[switch: "outlier_scale"] == .null && r.rank == 128)
        c.scheme = .KQV
        let k = c.resolved
        #expect(k[switch: "baseline"] == .null && k.rotation == .wht3 && k.codebook == .beta)
        c.rotation = .haar
        c.scheme = .KV
        c.baseline = .kvBeta
        var d = c
        d.rotation = .none
        #expect(c.resolved == d.resolved)
        #expect(c.resolved.resolved == c.resolved)
    }
}
