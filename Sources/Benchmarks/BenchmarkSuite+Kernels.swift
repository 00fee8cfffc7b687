import Foundation
import Quantization
import Statistics

extension BenchmarkSuite {
    /// Single-thread rates of the engine's kernels: a Hadamard rotation, the quantizers, kvlab's and the C
    /// library's elementary functions, and the metrics of one trial.
    mutating func kernels() {
        let d = 128
        // Quantizers encode and decode the standard trial's N = 1024 tokens per call (1 MB in, 1 MB out),
        // as in the engine. The FWHT works on an L2-resident block (256 rows = 256 KB), as in the engine,
        // where each row is transformed while it is in cache; a 4 MB matrix would measure the L3
        // bandwidth, shared with whatever else runs on the host.
        let rows = 1024
        let base = Self.randomMatrix(rows: rows, cols: d, seed: 1)
        // The rows are rotated as the quantizers rotate them: all of a block in one call (four at once on the
        // AVX2 path), in aligned storage as the quantizers' work rows are.
        var block = AlignedDoubles(base.storage[0..<(256 * d)])
        let hadamard = Rotation(kind: .wht1, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation))
        var scratch = AlignedDoubles(repeating: 0, count: hadamard.blockScratchCount)
        rate("kernels", "rotation wht1 (signs + FWHT) d=128", unit: "rows/s", cpuTime: true) {
            block.withUnsafeMutableBufferPointer { rows in
                scratch.withUnsafeMutableBufferPointer { s in
                    guard let x = rows.baseAddress, let t = s.baseAddress else { return }
                    for _ in 0..<16 { hadamard.apply(rows: x, count: 256, scratch: t) }
                }
            }
            return 16 * 256
        }
        let cache = CodebookCache()
        for (bits, rotation) in [(2, RotationKind.wht1), (2, .wht3), (4, .wht1), (4, .wht3)] {
            var c = Self.standardConfig(.KQV)
            c.bits = bits
            c.rotation = rotation
            let q = VectorQuantizer(
                recipe: .turboMSE, config: c,
                rotation: Rotation(kind: rotation, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation)),
                sketch: nil, codebooks: cache)
            let name = "TurboQuant_mse enc+dec b=\(bits) \(rotation.rawValue)"
            rate("kernels", name, unit: "vectors/s", cpuTime: bits == 4) {
                _ = q.reconstruct(base)
                return rows
            }
        }
        for kind in QJLKind.allCases {
            var c = Self.standardConfig(.QKQV)
            c.qjl = kind
            let q = VectorQuantizer(
                recipe: .turboProd, config: c,
                rotation: Rotation(kind: .wht3, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keyRotation)),
                sketch: QJLSketch(kind: kind, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keySketch)),
                codebooks: cache)
            rate("kernels", "TurboQuant_prod enc+dec b=4 qjl=\(kind.rawValue) wht3", unit: "vectors/s") {
                _ = q.reconstruct(base)
                return rows
            }
        }
        denseProducts(base)
        elementaryFunctions()
        // Every metric of one standard trial from its decoded K̂ and V̂ (here: K and V plus 5% noise), as
        // TrialEngine computes them after quantizing: logits, log-softmax, the divergences, routing, logit
        // errors, outputs and geometry.
        let data = TrialData(
            keys: Self.randomMatrix(rows: 1024, cols: d, seed: 3),
            values: Self.randomMatrix(rows: 1024, cols: d, seed: 5),
            queries: Self.randomMatrix(rows: 64, cols: d, seed: 2))
        let reference = ReferenceAttention(data: data, logitScale: 1)
        let noise = Self.randomMatrix(rows: 1024, cols: d, seed: 4)
        var keys = data.keys
        var values = data.values
        for i in keys.storage.indices {
            keys.storage[i] += 0.05 * noise.storage[i]
            values.storage[i] -= 0.05 * noise.storage[i]
        }
        rate("kernels", "TrialMetrics.compute Q=64 N=1024 d=128", unit: "calls/s") {
            _ = TrialMetrics.compute(
                data: data, reference: reference, keys: keys, values: values, bitsK: 4, bitsV: 4)
            return 1
        }
    }

    /// The dense QJL products of the standard trial's 1024 residuals (multiply-adds/s, to compare with what
    /// the core's vector pipes sustain, BENCHMARKS.md) and the Gaussian sampler.
    mutating func denseProducts(_ residuals: Matrix) {
        let d = residuals.cols
        let rows = residuals.rows
        let sketch = QJLSketch(kind: .gaussian, dim: d, stream: RandomStream(seed: 1, trial: 0, role: .keySketch))
        var signs = [Double](repeating: 0, count: rows * d)
        var back = [Double](repeating: 0, count: rows * d)
        rate("kernels", "QJL S·r, dense d=128, 1024 vectors", unit: "multiply-adds/s") {
            residuals.storage.withUnsafeBufferPointer { r in
                signs.withUnsafeMutableBufferPointer { z in
                    guard let rp = r.baseAddress, let zp = z.baseAddress else { return }
                    sketch.signs(of: rp, count: rows, into: zp)
                }
            }
            return rows * d * d
        }
        rate("kernels", "QJL Sᵀ·z, dense d=128, 1024 vectors", unit: "multiply-adds/s") {
            signs.withUnsafeBufferPointer { z in
                back.withUnsafeMutableBufferPointer { y in
                    guard let zp = z.baseAddress, let yp = y.baseAddress else { return }
                    sketch.transposeTimes(zp, count: rows, into: yp)
                }
            }
            return rows * d * d
        }
        rate("kernels", "Gaussian deviates (Box–Muller), blocks of 128", unit: "values/s") {
            var stream = RandomStream(seed: 2, trial: 0, role: .auxiliary)
            var total = 0.0
            for _ in 0..<512 { total += stream.gaussians(128)[127] }
            return total.isNaN ? 0 : 512 * 128
        }
    }

    /// kvlab's deterministic elementary functions against the C library's (whose variant depends on the
    /// CPU), on the argument ranges the engine uses: calls/s over 4096 arguments.
    mutating func elementaryFunctions() {
        let count = 4096
        var s = RandomStream(seed: 5, trial: 0, role: .auxiliary)
        let logits = (0..<count).map { _ in -8 * s.uniform() }  // log-probabilities, KL terms
        let unit = (0..<count).map { _ in s.uniform() }  // Box–Muller inputs, log1p(e^−|u|)
        @inline(__always) func time(_ name: String, _ args: [Double], _ f: (Double) -> Double) {
            rate("kernels", name, unit: "calls/s") {
                var sums = (0.0, 0.0)  // two chains, so the adds do not serialise the calls
                args.withUnsafeBufferPointer { x in
                    for _ in 0..<8 {
                        for i in stride(from: 0, to: x.count, by: 2) {
                            sums.0 += f(x[i])
                            sums.1 += f(x[i + 1])
                        }
                    }
                }
                return (sums.0 + sums.1).isNaN ? 0 : 8 * args.count
            }
        }
        time("exp (kvlab)", logits, Elementary.exp)
        time("exp (C library)", logits, Foundation.exp)
        time("expm1 (kvlab)", logits, Elementary.expm1)
        time("expm1 (C library)", logits, Foundation.expm1)
        time("log (kvlab)", unit, Elementary.log)
        time("log (C library)", unit, Foundation.log)
        time("log1p (kvlab)", unit, Elementary.log1p)
        time("log1p (C library)", unit, Foundation.log1p)
        time("sin+cos 2πu (kvlab)", unit) {
            let (a, b) = Elementary.sinCosTwoPi($0); return a + b
        }
        time("sin+cos 2πu (C library)", unit) { Foundation.sin(2 * .pi * $0) + Foundation.cos(2 * .pi * $0) }
    }
}
