import CKernels
import Dispatch
import Statistics

/// Float32 kernels for the model forward pass: the matrix product Y = X·Wᵀ, dot products, axpy, RMSNorm,
/// exp, softmax and SwiGLU, over unsafe buffers with no allocation in the hot loops.
///
/// Every dot product has one fixed summation order, the *four-lane order*: lane k (k = 0…3) sums the
/// products at indices ≡ k (mod 4) in increasing index order starting from zero, and the result is
/// (s₀ + s₁) + (s₂ + s₃). The order does not depend on the length's remainder mod 4, so appending zero
/// products to a dot product does not change its value (up to the sign of a zero result); it never depends
/// on blocking or on the thread count, so all results are bit-reproducible. Threads only split the
/// independent output elements between them.
///
/// On the AVX2 kernel path (``KernelPath``) the blocks of the matrix product run a C body compiled for AVX2
/// (`Sources/CKernels/float_avx2.c`) that holds the four lanes of two outputs in one register: the same
/// operations in the same order per output, so the same bits (KernelPathTests compare the paths).
///
/// As in the `Double` kernels, the inner kernels have two bodies that perform exactly the same IEEE
/// operations in the same order: ``Scalar`` (plain loops, used by debug builds, where SIMD code is
/// unspecialised and slow) and ``Vector`` (SIMD4 lanes, register blocking, used by optimised builds).
/// Swift never contracts a multiply and an add into a fused multiply–add (not even for a CPU with FMA,
/// e.g. `-target-cpu haswell`), so both bodies round the same way in every build; FloatKernelTests
/// compares each body bit for bit with plain reference loops.
public enum FloatKernels {
    /// Dot product ⟨a, b⟩ of `n` values in the four-lane order.
    ///
    /// - Complexity: O(n).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        #if DEBUG
            Scalar.dot(a, b, n)
        #else
            Vector.dot(a, b, n)
        #endif
    }

    /// y ← y + a·x over `n` values (each element one multiply and one add).
    ///
    /// - Complexity: O(n).
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        #if DEBUG
            Scalar.axpy(a, x, y, n)
        #else
            Vector.axpy(a, x, y, n)
        #endif
    }

    /// RMSNorm of `n` values: y[i] = (x[i]·r)·w[i] with r = 1/√(Σx²/n + ε), the sum of squares taken in
    /// `Double` in index order and r rounded to `Float` once. `y` may equal `x`.
    ///
    /// - Complexity: O(n).
    public static func rmsNorm(
        _ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, epsilon: Float, into y: UnsafeMutablePointer<Float>,
        _ n: Int
    ) {
        var sum = 0.0
        for i in 0..<n {
            let v = Double(x[i])
            sum += v * v
        }
        let r = Float(1 / (sum / Double(n) + Double(epsilon)).squareRoot())
        for i in 0..<n { y[i] = (x[i] * r) * w[i] }
    }

    /// eˣ in Float32 within about 2 ulps, from IEEE +, −, × and bit operations only (the same bits on every
    /// machine): x = n·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite, n by the round-to-nearest-even of adding
    /// 1.5·2²³), e^r by its Taylor polynomial of degree 7 (truncation < 1e-8 relative), times 2ⁿ. Outside
    /// |x| ≤ 87 (and for NaN) it is `Float(Elementary.exp(Double(x)))`, correct to rounding.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        guard abs(x) <= 87 else { return Float(Elementary.exp(Double(x))) }
        let shifted = x * Exp.log2e + Exp.shifter
        let n = shifted - Exp.shifter
        let r = (x - n * Exp.ln2High) - n * Exp.ln2Low
        // The low bits of `shifted` hold n (as an offset from the shifter's bit pattern).
        let exponent = (shifted.bitPattern &- Exp.shifter.bitPattern &+ 127) &<< 23
        return Exp.polynomial(r) * Float(bitPattern: exponent)
    }

    /// Softmax of `n` values in place, after multiplying them by `scale`: m = max(scale·x), e = exp(scale·x − m)
    /// (``exp(_:)``), x ← e / Σe with the sum in the four-lane order.
    ///
    /// - Precondition: n ≥ 1.
    @inline(__always)
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float) {
        #if DEBUG
            Scalar.softmax(x, n, scale: scale)
        #else
            Vector.softmax(x, n, scale: scale)
        #endif
    }

    /// The SwiGLU activation in place: g[i] ← g[i] / (1 + exp(−g[i])) · u[i] (SiLU of the gate times up,
    /// with ``exp(_:)``).
    @inline(__always)
    public static func swiglu(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, _ n: Int) {
        #if DEBUG
            Scalar.swiglu(g, u, n)
        #else
            Vector.swiglu(g, u, n)
        #endif
    }

    /// Constants of ``exp(_:)``.
    enum Exp {
        static let log2e: Float = 1.442_695_04
        /// 1.5·2²³: adding and subtracting it rounds |v| < 2²² to the nearest integer (ties to even).
        static let shifter: Float = 12_582_912
        /// ln 2 split so that n·ln2High is exact for |n| < 2¹⁵.
        static let ln2High: Float = 0.693_359_375
        static let ln2Low: Float = -2.121_944_4e-4

        /// e^r ≈ Σ_{k≤7} r^k/k!, Horner's scheme.
        @inline(__always)
        static func polynomial(_ r: Float) -> Float {
            var p = c6 + r * c7
            p = c5 + r * p
            p = c4 + r * p
            p = c3 + r * p
            p = 0.5 + r * p
            p = 1 + r * p
            return 1 + r * p
        }

        /// ``polynomial(_:)`` per lane, the same operations.
        @inline(__always)
        static func polynomial(_ r: SIMD4<Float>) -> SIMD4<Float> {
            var p: SIMD4<Float> = c6 + r * c7
            p = c5 + r * p
            p = c4 + r * p
            p = c3 + r * p
            p = 0.5 + r * p
            p = 1 + r * p
            return 1 + r * p
        }

        static let c3: Float = 1.0 / 6
        static let c4: Float = 1.0 / 24
        static let c5: Float = 1.0 / 120
        static let c6: Float = 1.0 / 720
        static let c7: Float = 1.0 / 5040
    }

    /// The matrix product Y = X·Wᵀ: `y[t·yStride + o] = dot(x + t·xStride, w + o·wStride, inputs)` for
    /// every token t < `tokens` and output o < `outputs` (W holds `outputs` rows of `inputs` values, as
    /// a linear layer's weight does).
    ///
    /// Cache- and register-blocked: blocks of 48 tokens × 64 outputs are the units of work, split between
    /// `threads` threads; inside a block, tiles of 3 tokens × 4 outputs keep twelve four-lane sums in
    /// registers (on the AVX2 path, 6 tokens × 4 outputs in twelve 256-bit registers, two outputs' lanes in
    /// each). Every element is exactly ``dot(_:_:_:)``, whatever the blocking, path or thread count.
    ///
    /// - Parameters:
    ///   - threads: the number of threads (1 = the calling thread only).
    /// - Precondition: the buffers hold the rows described; `y` does not overlap `x` or `w`.
    /// - Complexity: O(tokens · outputs · inputs).
    public static func matmul(
        x: UnsafePointer<Float>, xStride: Int, w: UnsafePointer<Float>, wStride: Int,
        y: UnsafeMutablePointer<Float>, yStride: Int, tokens: Int, inputs: Int, outputs: Int, threads: Int
    ) {
        guard tokens > 0, outputs > 0 else { return }
        let tokenBlocks = (tokens + tokenBlock - 1) / tokenBlock
        let outputBlocks = (outputs + outputBlock - 1) / outputBlock
        let operands = MatmulOperands(
            x: x, xStride: xStride, w: w, wStride: wStride, y: y, yStride: yStride, inputs: inputs)
        parallelFor(tokenBlocks * outputBlocks, threads: threads) { job in
            let t0 = (job % tokenBlocks) * tokenBlock
            let o0 = (job / tokenBlocks) * outputBlock
            operands.block(
                tokens: t0..<min(tokens, t0 + tokenBlock), outputs: o0..<min(outputs, o0 + outputBlock))
        }
    }

    /// The matrix product of two row-major arrays: X (`tokens` rows of `inputs`) times the transpose of W
    /// (`outputs` rows of `inputs`), a `tokens × outputs` row-major array. See
    /// ``matmul(x:xStride:w:wStride:y:yStride:tokens:inputs:outputs:threads:)``.
    ///
    /// - Precondition: `x.count == tokens·inputs`, `w.count == outputs·inputs`.
    public static func matmul(_ x: [Float], _ w: [Float], tokens: Int, inputs: Int, outputs: Int, threads: Int)
        -> [Float]
    {
        precondition(x.count == tokens * inputs && w.count == outputs * inputs, "matmul: operand sizes")
        var y = [Float](repeating: 0, count: tokens * outputs)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    guard let xb = xp.baseAddress, let wb = wp.baseAddress, let yb = yp.baseAddress else { return }
                    matmul(
                        x: xb, xStride: inputs, w: wb, wStride: inputs, y: yb, yStride: outputs, tokens: tokens,
                        inputs: inputs, outputs: outputs, threads: threads)
                }
            }
        }
        return y
    }

    /// Runs `body(job)` for every job in 0..<count, on up to `threads` threads (worker k takes jobs
    /// k, k + threads, …); with one thread (or one job) it runs on the calling thread in order.
    ///
    /// The jobs must be independent: what each computes must not depend on which thread runs it.
    public static func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(max(threads, 1), count)
        if workers <= 1 {
            for job in 0..<count { body(job) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var job = worker
                while job < count {
                    shared.value(job)
                    job += workers
                }
            }
        }
    }

    static let tokenBlock = 48
    static let outputBlock = 64

    /// The plain-loop bodies (debug builds).
    enum Scalar {
        static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
            var s0: Float = 0
            var s1: Float = 0
            var s2: Float = 0
            var s3: Float = 0
            var i = 0
            while i + 4 <= n {
                s0 += a[i] * b[i]
                s1 += a[i + 1] * b[i + 1]
                s2 += a[i + 2] * b[i + 2]
                s3 += a[i + 3] * b[i + 3]
                i += 4
            }
            if i < n { s0 += a[i] * b[i] }
            if i + 1 < n { s1 += a[i + 1] * b[i + 1] }
            if i + 2 < n { s2 += a[i + 2] * b[i + 2] }
            return (s0 + s1) + (s2 + s3)
        }

        static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
            for i in 0..<n { y[i] += a * x[i] }
        }

        static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float) {
            var m = -Float.infinity
            for i in 0..<n {
                x[i] *= scale
                m = max(m, x[i])
            }
            var lanes: (Float, Float, Float, Float) = (0, 0, 0, 0)
            for i in 0..<n {
                let e = FloatKernels.exp(x[i] - m)
                x[i] = e
                switch i & 3 {
                case 0: lanes.0 += e
                case 1: lanes.1 += e
                case 2: lanes.2 += e
                default: lanes.3 += e
                }
            }
            let sum = (lanes.0 + lanes.1) + (lanes.2 + lanes.3)
            for i in 0..<n { x[i] /= sum }
        }

        static func swiglu(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, _ n: Int) {
            for i in 0..<n { g[i] = g[i] / (1 + FloatKernels.exp(-g[i])) * u[i] }
        }

        /// Y for the given tokens and outputs, one dot product at a time.
        static func block(_ m: MatmulOperands, tokens: Range<Int>, outputs: Range<Int>) {
            for o in outputs {
                for t in tokens {
                    m.y[t * m.yStride + o] = dot(m.x + t * m.xStride, m.w + o * m.wStride, m.inputs)
                }
            }
        }
    }

    /// The SIMD bodies (optimised builds).
    enum Vector {
        @inline(__always)
        static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
            let ra = UnsafeRawPointer(a)
            let rb = UnsafeRawPointer(b)
            var acc = SIMD4<Float>()
            var i = 0
            while i &+ 4 <= n {
                acc +=
                    ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
                    * rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
                i &+= 4
            }
            return finish(acc, a, b, from: i, n)
        }

        /// Adds the products at indices `i..<n` (fewer than four) to their lanes and combines the lanes.
        @inline(__always)
        static func finish(
            _ acc: SIMD4<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, from i: Int, _ n: Int
        ) -> Float {
            var s0 = acc[0]
            var s1 = acc[1]
            var s2 = acc[2]
            if i < n { s0 += a[i] * b[i] }
            if i &+ 1 < n { s1 += a[i &+ 1] * b[i &+ 1] }
            if i &+ 2 < n { s2 += a[i &+ 2] * b[i &+ 2] }
            return (s0 + s1) + (s2 + acc[3])
        }

        @inline(__always)
        static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
            let rx = UnsafeRawPointer(x)
            let ry = UnsafeMutableRawPointer(y)
            let av = SIMD4<Float>(repeating: a)
            var i = 0
            while i &+ 4 <= n {
                let off = i &* 4
                let v =
                    ry.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                    + av * rx.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                ry.storeBytes(of: v, toByteOffset: off, as: SIMD4<Float>.self)
                i &+= 4
            }
            while i < n {
                y[i] += a * x[i]
                i &+= 1
            }
        }

        /// e^v per lane, each lane bit-identical to ``FloatKernels/exp(_:)``.
        @inline(__always)
        static func exp(_ v: SIMD4<Float>) -> SIMD4<Float> {
            guard all((v .<= 87) .& (v .>= -87)) else {
                return SIMD4(
                    FloatKernels.exp(v[0]), FloatKernels.exp(v[1]), FloatKernels.exp(v[2]), FloatKernels.exp(v[3]))
            }
            let shifted = v * Exp.log2e + Exp.shifter
            let n = shifted - Exp.shifter
            let r = (v - n * Exp.ln2High) - n * Exp.ln2Low
            // The low bits of `shifted` hold n (as an offset from the shifter's bit pattern).
            let bits = unsafeBitCast(shifted, to: SIMD4<UInt32>.self)
            let exponent = (bits &- Exp.shifter.bitPattern &+ 127) &<< 23
            return Exp.polynomial(r) * unsafeBitCast(exponent, to: SIMD4<Float>.self)
        }

        @inline(__always)
        static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float) {
            var m = -Float.infinity
            for i in 0..<n {
                x[i] *= scale
                m = max(m, x[i])
            }
            let raw = UnsafeMutableRawPointer(x)
            let mv = SIMD4<Float>(repeating: m)
            var acc = SIMD4<Float>()
            var i = 0
            while i &+ 4 <= n {
                let e = exp(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self) - mv)
                raw.storeBytes(of: e, toByteOffset: i &* 4, as: SIMD4<Float>.self)
                acc += e
                i &+= 4
            }
            var lanes = acc
            var lane = 0
            while i < n {
                let e = FloatKernels.exp(x[i] - m)
                x[i] = e
                lanes[lane] += e
                lane &+= 1
                i &+= 1
            }
            let sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
            let sv = SIMD4<Float>(repeating: sum)
            i = 0
            while i &+ 4 <= n {
                let q = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self) / sv
                raw.storeBytes(of: q, toByteOffset: i &* 4, as: SIMD4<Float>.self)
                i &+= 4
            }
            while i < n {
                x[i] /= sum
                i &+= 1
            }
        }

        @inline(__always)
        static func swiglu(_ g: UnsafeMutablePointer<Float>, _ u: UnsafePointer<Float>, _ n: Int) {
            let rg = UnsafeMutableRawPointer(g)
            let ru = UnsafeRawPointer(u)
            var i = 0
            while i &+ 4 <= n {
                let off = i &* 4
                let gv = rg.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                let y = gv / (1 + exp(-gv)) * ru.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                rg.storeBytes(of: y, toByteOffset: off, as: SIMD4<Float>.self)
                i &+= 4
            }
            while i < n {
                g[i] = g[i] / (1 + FloatKernels.exp(-g[i])) * u[i]
                i &+= 1
            }
        }

        /// Y for the given tokens and outputs: tiles of 3 tokens × 4 outputs (twelve four-lane sums in
        /// registers; each W row chunk is loaded once per tile and each X row chunk once per tile), then
        /// single dot products for the edges.
        static func block(_ m: MatmulOperands, tokens: Range<Int>, outputs: Range<Int>) {
            let n = m.inputs
            var o = outputs.lowerBound
            while o &+ 4 <= outputs.upperBound {
                var t = tokens.lowerBound
                while t &+ 3 <= tokens.upperBound {
                    tile(m, t, o, n)
                    t &+= 3
                }
                while t < tokens.upperBound {
                    for oo in o..<(o &+ 4) {
                        m.y[t &* m.yStride &+ oo] = dot(m.x + t &* m.xStride, m.w + oo &* m.wStride, n)
                    }
                    t &+= 1
                }
                o &+= 4
            }
            while o < outputs.upperBound {
                for t in tokens { m.y[t &* m.yStride &+ o] = dot(m.x + t &* m.xStride, m.w + o &* m.wStride, n) }
                o &+= 1
            }
        }

        @inline(__always)
        static func tile(_ m: MatmulOperands, _ t: Int, _ o: Int, _ n: Int) {
            let x0 = m.x + t &* m.xStride
            let x1 = x0 + m.xStride
            let x2 = x1 + m.xStride
            let w0 = m.w + o &* m.wStride
            let w1 = w0 + m.wStride
            let w2 = w1 + m.wStride
            let w3 = w2 + m.wStride
            let rx0 = UnsafeRawPointer(x0)
            let rx1 = UnsafeRawPointer(x1)
            let rx2 = UnsafeRawPointer(x2)
            let rw0 = UnsafeRawPointer(w0)
            let rw1 = UnsafeRawPointer(w1)
            let rw2 = UnsafeRawPointer(w2)
            let rw3 = UnsafeRawPointer(w3)
            var a00 = SIMD4<Float>()
            var a01 = SIMD4<Float>()
            var a02 = SIMD4<Float>()
            var a03 = SIMD4<Float>()
            var a10 = SIMD4<Float>()
            var a11 = SIMD4<Float>()
            var a12 = SIMD4<Float>()
            var a13 = SIMD4<Float>()
            var a20 = SIMD4<Float>()
            var a21 = SIMD4<Float>()
            var a22 = SIMD4<Float>()
            var a23 = SIMD4<Float>()
            var i = 0
            while i &+ 4 <= n {
                let off = i &* 4
                let v0 = rx0.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                let v1 = rx1.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                let v2 = rx2.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                let u0 = rw0.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                a00 += v0 * u0
                a10 += v1 * u0
                a20 += v2 * u0
                let u1 = rw1.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                a01 += v0 * u1
                a11 += v1 * u1
                a21 += v2 * u1
                let u2 = rw2.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                a02 += v0 * u2
                a12 += v1 * u2
                a22 += v2 * u2
                let u3 = rw3.loadUnaligned(fromByteOffset: off, as: SIMD4<Float>.self)
                a03 += v0 * u3
                a13 += v1 * u3
                a23 += v2 * u3
                i &+= 4
            }
            let y0 = m.y + (t &* m.yStride &+ o)
            let y1 = y0 + m.yStride
            let y2 = y1 + m.yStride
            y0[0] = finish(a00, x0, w0, from: i, n)
            y0[1] = finish(a01, x0, w1, from: i, n)
            y0[2] = finish(a02, x0, w2, from: i, n)
            y0[3] = finish(a03, x0, w3, from: i, n)
            y1[0] = finish(a10, x1, w0, from: i, n)
            y1[1] = finish(a11, x1, w1, from: i, n)
            y1[2] = finish(a12, x1, w2, from: i, n)
            y1[3] = finish(a13, x1, w3, from: i, n)
            y2[0] = finish(a20, x2, w0, from: i, n)
            y2[1] = finish(a21, x2, w1, from: i, n)
            y2[2] = finish(a22, x2, w2, from: i, n)
            y2[3] = finish(a23, x2, w3, from: i, n)
        }
    }
}

/// The operands of one matrix product (raw pointers and strides), shared by the threads that compute
/// disjoint blocks of Y.
struct MatmulOperands: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let xStride: Int
    let w: UnsafePointer<Float>
    let wStride: Int
    let y: UnsafeMutablePointer<Float>
    let yStride: Int
    let inputs: Int

    /// Computes Y for the given tokens and outputs with this build's body, or the AVX2 one on that kernel path.
    @inline(__always)
    func block(tokens: Range<Int>, outputs: Range<Int>) {
        if KernelPath.usesAVX2 {
            return kvlab_avx2_matmul_block(
                x, xStride, w, wStride, y, yStride, inputs, tokens.lowerBound, tokens.upperBound, outputs.lowerBound,
                outputs.upperBound)
        }
        #if DEBUG
            FloatKernels.Scalar.block(self, tokens: tokens, outputs: outputs)
        #else
            FloatKernels.Vector.block(self, tokens: tokens, outputs: outputs)
        #endif
    }
}

/// A value handed to the threads of ``FloatKernels/parallelFor(_:threads:_:)``; the jobs it runs touch
/// disjoint data.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
