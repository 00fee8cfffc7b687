import Foundation
import Testing

@testable import Quantization

/// The Float32 kernels against plain reference loops, bit for bit, for both bodies.
@Suite("FloatKernels = reference loops")
struct FloatKernelTests {
    /// Deterministic values in [−1, 1) (a 64-bit LCG's top 24 bits).
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    /// The reference dot product in the four-lane order: lane i mod 4 gets product i, in index order.
    static func referenceDot(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        var lanes: [Float] = [0, 0, 0, 0]
        for (i, (x, y)) in zip(a, b).enumerated() { lanes[i % 4] += x * y }
        return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    }

    @Test("dot: both bodies equal the four-lane reference, and the double-precision dot to rounding")
    func dot() {
        for n in 0...41 {
            let a = Self.values(n, seed: UInt64(n))
            let b = Self.values(n, seed: UInt64(n) + 100)
            let expected = Self.referenceDot(a[...], b[...])
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    guard let pa = ap.baseAddress, let pb = bp.baseAddress else { return }
                    #expect(FloatKernels.Scalar.dot(pa, pb, n).bitPattern == expected.bitPattern, "n = \(n)")
                    #expect(FloatKernels.Vector.dot(pa, pb, n).bitPattern == expected.bitPattern, "n = \(n)")
                }
            }
            let exact = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(expected) - exact) <= 1e-6 * Double(max(n, 1)), "n = \(n)")
        }
    }

    @Test("dot: appending zero products leaves the value unchanged (the order is per lane, not per remainder)")
    func dotZeroPadding() {
        let a = Self.values(23, seed: 7)
        let b = Self.values(23, seed: 8)
        let value = FloatKernels.dot(a, b, 23)
        for extra in 1...9 {
            let pa = a + [Float](repeating: 0, count: extra)
            let pb = b + Self.values(extra, seed: 9)
            #expect(FloatKernels.dot(pa, pb, 23 + extra).bitPattern == value.bitPattern, "extra = \(extra)")
        }
    }

    @Test("axpy: both bodies equal y[i] + a·x[i]")
    func axpy() {
        for n in [0, 1, 3, 4, 5, 17, 64] {
            let x = Self.values(n, seed: 1)
            let y0 = Self.values(n, seed: 2)
            let expected = (0..<n).map { y0[$0] + Float(0.37) * x[$0] }
            for vector in [false, true] {
                var y = y0
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        guard let px = xp.baseAddress, let py = yp.baseAddress else { return }
                        if vector {
                            FloatKernels.Vector.axpy(0.37, px, py, n)
                        } else {
                            FloatKernels.Scalar.axpy(0.37, px, py, n)
                        }
                    }
                }
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "n = \(n), vector = \(vector)")
            }
        }
    }

    @Test("rmsNorm: (x·r)·w with r = 1/√(mean x² + ε) from a Double sum of squares")
    func rmsNorm() {
        let x = Self.values(13, seed: 3)
        let w = Self.values(13, seed: 4)
        var y = [Float](repeating: 0, count: 13)
        FloatKernels.rmsNorm(x, weight: w, epsilon: 1e-5, into: &y, 13)
        let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / 13
        let r = Float(1 / (meanSquare + Double(Float(1e-5))).squareRoot())
        #expect(y.map(\.bitPattern) == (0..<13).map { ((x[$0] * r) * w[$0]).bitPattern })
        // And the value itself: unit root-mean-square when w = 1 and ε = 0.
        var unit = [Float](repeating: 0, count: 13)
        FloatKernels.rmsNorm(x, weight: [Float](repeating: 1, count: 13), epsilon: 0, into: &unit, 13)
        let rms = (unit.reduce(0.0) { $0 + Double($1) * Double($1) } / 13).squareRoot()
        #expect(abs(rms - 1) < 1e-6)
    }

    @Test("exp: within 2 ulps of the double-precision value; the SIMD lanes are bit-identical to the scalar")
    func exp() {
        var inputs: [Float] = (0..<20_000).map { Float($0) / 20_000 * 180 - 90 }
        inputs += Self.values(4000, seed: 21).map { $0 * 3 }
        inputs += [0, -0.0, 1, -1, 87, -87, 87.001, -87.001, 88.5, -100, -104, .infinity, -.infinity, .nan]
        while inputs.count % 4 != 0 { inputs.append(0.5) }
        var worst = 0.0
        for i in stride(from: 0, to: inputs.count, by: 4) {
            let lanes = FloatKernels.Vector.exp(SIMD4(inputs[i], inputs[i + 1], inputs[i + 2], inputs[i + 3]))
            for k in 0..<4 {
                let x = inputs[i + k]
                let y = FloatKernels.exp(x)
                #expect(lanes[k].bitPattern == y.bitPattern || (x.isNaN && lanes[k].isNaN), "x = \(x)")
                let exact = Foundation.exp(Double(x))
                if exact.isNaN {
                    #expect(y.isNaN)
                } else if exact > 1e30 * Double(Float.greatestFiniteMagnitude) {
                    #expect(y == .infinity)
                } else if exact >= Double(Float.leastNormalMagnitude), exact <= Double(Float.greatestFiniteMagnitude) {
                    worst = max(worst, abs(Double(y) - exact) / Double(Float(exact).ulp))
                }
            }
        }
        #expect(worst <= 2, "largest error \(worst) ulps")
    }

    @Test("softmax and swiglu: both bodies equal the plain loops, bit for bit")
    func softmaxSwiglu() {
        for n in [1, 2, 3, 4, 5, 8, 13, 64, 67] {
            // Scores with a wide range, so some fall outside the polynomial's range.
            let x = Self.values(n, seed: UInt64(n)).map { $0 * 120 }
            let m = x.map { $0 * 0.25 }.max()!
            let e = x.map { FloatKernels.exp($0 * 0.25 - m) }
            var lanes: [Float] = [0, 0, 0, 0]
            for (i, v) in e.enumerated() { lanes[i % 4] += v }
            let sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
            let expected = e.map { $0 / sum }
            for vector in [false, true] {
                var y = x
                y.withUnsafeMutableBufferPointer { p in
                    if vector {
                        FloatKernels.Vector.softmax(p.baseAddress!, n, scale: 0.25)
                    } else {
                        FloatKernels.Scalar.softmax(p.baseAddress!, n, scale: 0.25)
                    }
                }
                #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "n = \(n), vector = \(vector)")
            }
            let exactSum = x.reduce(0.0) { $0 + Foundation.exp(Double($1) * 0.25 - Double(m)) }
            for i in 0..<n {
                #expect(abs(Double(expected[i]) - Foundation.exp(Double(x[i]) * 0.25 - Double(m)) / exactSum) < 1e-6)
            }
            let g = Self.values(n, seed: 40).map { $0 * 200 }
            let u = Self.values(n, seed: 41)
            let silu = (0..<n).map { g[$0] / (1 + FloatKernels.exp(-g[$0])) * u[$0] }
            for vector in [false, true] {
                var y = g
                y.withUnsafeMutableBufferPointer { p in
                    if vector {
                        FloatKernels.Vector.swiglu(p.baseAddress!, u, n)
                    } else {
                        FloatKernels.Scalar.swiglu(p.baseAddress!, u, n)
                    }
                }
                #expect(y.map(\.bitPattern) == silu.map(\.bitPattern), "n = \(n), vector = \(vector)")
            }
        }
    }

    /// Y = X·Wᵀ with row strides, each element the reference dot product.
    static func referenceMatmul(
        _ x: [Float], xStride: Int, _ w: [Float], wStride: Int, yStride: Int, tokens: Int, inputs: Int,
        outputs: Int
    ) -> [Float] {
        var y = [Float](repeating: -7, count: tokens * yStride)
        for t in 0..<tokens {
            for o in 0..<outputs {
                y[t * yStride + o] = referenceDot(
                    x[(t * xStride)..<(t * xStride + inputs)], w[(o * wStride)..<(o * wStride + inputs)])
            }
        }
        return y
    }

    /// Runs one body of the blocked product over the whole matrix (as the jobs of matmul would).
    static func bodyMatmul(
        vector: Bool, _ x: [Float], xStride: Int, _ w: [Float], wStride: Int, yStride: Int, tokens: Int, inputs: Int,
        outputs: Int
    ) -> [Float] {
        var y = [Float](repeating: -7, count: tokens * yStride)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    let m = MatmulOperands(
                        x: xp.baseAddress!, xStride: xStride, w: wp.baseAddress!, wStride: wStride,
                        y: yp.baseAddress!, yStride: yStride, inputs: inputs)
                    if vector {
                        FloatKernels.Vector.block(m, tokens: 0..<tokens, outputs: 0..<outputs)
                    } else {
                        FloatKernels.Scalar.block(m, tokens: 0..<tokens, outputs: 0..<outputs)
                    }
                }
            }
        }
        return y
    }

    @Test(
        "matmul: both bodies and the threaded product equal the reference, odd sizes and strides",
        arguments: [(1, 1, 1), (7, 13, 11), (3, 4, 4), (50, 9, 70), (5, 32, 9), (97, 6, 130)])
    func matmul(shape: (Int, Int, Int)) {
        let (tokens, inputs, outputs) = shape
        let xStride = inputs + 3
        let wStride = inputs + 1
        let yStride = outputs + 2
        let x = Self.values(tokens * xStride, seed: 11)
        let w = Self.values(outputs * wStride, seed: 12)
        let expected = Self.referenceMatmul(
            x, xStride: xStride, w, wStride: wStride, yStride: yStride, tokens: tokens, inputs: inputs,
            outputs: outputs)
        for vector in [false, true] {
            let y = Self.bodyMatmul(
                vector: vector, x, xStride: xStride, w, wStride: wStride, yStride: yStride, tokens: tokens,
                inputs: inputs, outputs: outputs)
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "vector = \(vector)")
        }
        for threads in [1, 2, 3] {
            var y = [Float](repeating: -7, count: tokens * yStride)
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    y.withUnsafeMutableBufferPointer { yp in
                        FloatKernels.matmul(
                            x: xp.baseAddress!, xStride: xStride, w: wp.baseAddress!, wStride: wStride,
                            y: yp.baseAddress!, yStride: yStride, tokens: tokens, inputs: inputs, outputs: outputs,
                            threads: threads)
                    }
                }
            }
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "threads = \(threads)")
        }
    }

    @Test("matmul on arrays: row-major tokens × outputs")
    func matmulArrays() {
        // [[1, 2], [3, 4], [5, 6]] · [[1, 0], [1, 1], [0, 2]]ᵀ
        let y = FloatKernels.matmul(
            [1, 2, 3, 4, 5, 6], [1, 0, 1, 1, 0, 2], tokens: 3, inputs: 2, outputs: 3, threads: 2)
        #expect(y == [1, 3, 4, 3, 7, 8, 5, 11, 12])
    }

    @Test("parallelFor runs every job exactly once for any thread count")
    func parallelFor() {
        for threads in [1, 2, 5] {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 37)
            counts.initialize(repeating: 0)
            defer { counts.deallocate() }
            FloatKernels.parallelFor(37, threads: threads) { counts[$0] += 1 }
            #expect(Array(counts) == [Int](repeating: 1, count: 37), "threads = \(threads)")
        }
    }
}
