import CKernels

/// The hot numeric kernels: concrete `Double` loops over unsafe buffers, no allocation.
///
/// This is the one audited unsafe place of the engine. The inner kernels (dot, dot4, axpy, accumulate,
/// fwht) have two bodies that perform exactly the same IEEE operations in the same order: ``Scalar``
/// (plain loops) and ``Vector`` (SIMD lanes and register blocking); matVec, matTVec and norm are built on
/// them. Optimised builds call ``Vector``; debug builds (-Onone), where SIMD types are unspecialised
/// generic code and many times slower, call ``Scalar``. Both bodies are compiled in every build, and
/// KernelTests compare each of them bit for bit with plain reference code, so the suite checks the
/// vector bodies even in a debug build (the engine-level tests of a debug build run the scalar bodies;
/// CI checks the release build's engine output with `scripts/golden/engine.sh --check`).
/// Summation order is fixed (never depends on threads), so results are bit-reproducible.
///
/// On the AVX2 kernel path (``KernelPath``), accumulate, fwht, matVec, matTVec and the attention logits run
/// C bodies compiled for AVX2 (`Sources/CKernels`) with the same operations in the same order per output; on
/// the baseline path on x86-64, matTVec runs a C body compiled for baseline x86-64 (SSE2, two vectors per
/// pass). KernelPathTests compare them with these bodies bit for bit.
enum Kernels {
    /// Dot product ⟨a, b⟩ of `n` values, with four fixed partial sums (lane k sums the products at
    /// indices ≡ k mod 4, combined as (s₀ + s₁) + (s₂ + s₃)).
    ///
    /// - Complexity: O(n).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        #if DEBUG
            Scalar.dot(a, b, n)
        #else
            Vector.dot(a, b, n)
        #endif
    }

    /// Four dot products ⟨q, k₀⟩ … ⟨q, k₃⟩ at once (keys `stride` values apart), each bit-identical to
    /// ``dot(_:_:_:)``.
    ///
    /// - Precondition: `n` is a multiple of 4.
    /// - Complexity: O(4n).
    @inline(__always)
    static func dot4(
        _ q: UnsafePointer<Double>, _ k: UnsafePointer<Double>, stride: Int, _ n: Int
    ) -> (Double, Double, Double, Double) {
        #if DEBUG
            Scalar.dot4(q, k, stride: stride, n)
        #else
            Vector.dot4(q, k, stride: stride, n)
        #endif
    }

    /// y ← y + a·x over `n` values.
    ///
    /// - Complexity: O(n).
    @inline(__always)
    static func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        #if DEBUG
            Scalar.axpy(a, x, y, n)
        #else
            Vector.axpy(a, x, y, n)
        #endif
    }

    /// In-place normalised fast Walsh–Hadamard transform (Sylvester order), x ← H x with H = H_n/√n,
    /// so that H is orthogonal and symmetric (H·H = I). Bit-identical to the textbook loop (stages
    /// h = 1, 2, 4, …, each pair (j, j+h) → (a+b, a−b)) followed by a multiplication by 1/√n.
    ///
    /// - Parameters:
    ///   - x: the vector, transformed in place.
    ///   - n: its length, a power of two.
    /// - Complexity: O(n log n).
    @inline(__always)
    static func fwht(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
        if n >= 16 && KernelPath.usesAVX2 { return kvlab_avx2_fwht(x, n, nil, nil) }
        #if DEBUG
            Scalar.fwht(x, n)
        #else
            Vector.fwht(x, n)
        #endif
    }

    /// One round of a Hadamard rotation: x ← H(b ⊙ x) with signs b = `before`, or x ← a ⊙ (H x) with signs
    /// a = `after` (each nil for none), exactly as the multiplications and ``fwht(_:_:)`` one after the other;
    /// on the AVX2 path they are fused into the transform's first and last passes.
    ///
    /// - Complexity: O(n log n).
    @inline(__always)
    static func fwht(
        _ x: UnsafeMutablePointer<Double>, _ n: Int, before: UnsafePointer<Double>?, after: UnsafePointer<Double>?
    ) {
        if n >= 16 && KernelPath.usesAVX2 { return kvlab_avx2_fwht(x, n, before, after) }
        if let before { for i in 0..<n { x[i] *= before[i] } }
        fwht(x, n)
        if let after { for i in 0..<n { x[i] *= after[i] } }
    }

    /// y ← y + Σₖ aₖ·Xₖ over `n` values for `count` rows Xₖ (at x + k·rowStride), added in order
    /// k = 0, 1, … exactly as `count` calls of ``axpy(_:_:_:_:)`` would; with `positiveOnly`, the terms
    /// whose aₖ is not > 0 are skipped.
    ///
    /// - Complexity: O(count · n).
    @inline(__always)
    static func accumulate(
        _ a: UnsafePointer<Double>, rows x: UnsafePointer<Double>, rowStride: Int, count: Int,
        into y: UnsafeMutablePointer<Double>, _ n: Int, positiveOnly: Bool
    ) {
        if KernelPath.usesAVX2 {
            return kvlab_avx2_accumulate(a, x, rowStride, count, y, n, positiveOnly ? 1 : 0)
        }
        #if DEBUG
            Scalar.accumulate(a, rows: x, rowStride: rowStride, count: count, into: y, n, positiveOnly: positiveOnly)
        #else
            Vector.accumulate(a, rows: x, rowStride: rowStride, count: count, into: y, n, positiveOnly: positiveOnly)
        #endif
    }

    /// The plain-loop bodies (debug builds).
    enum Scalar {
        static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
            var s0 = 0.0
            var s1 = 0.0
            var s2 = 0.0
            var s3 = 0.0
            var i = 0
            while i + 4 <= n {
                s0 += a[i] * b[i]
                s1 += a[i + 1] * b[i + 1]
                s2 += a[i + 2] * b[i + 2]
                s3 += a[i + 3] * b[i + 3]
                i += 4
            }
            while i < n {
                s0 += a[i] * b[i]
                i += 1
            }
            return (s0 + s1) + (s2 + s3)
        }

        static func dot4(
            _ q: UnsafePointer<Double>, _ k: UnsafePointer<Double>, stride: Int, _ n: Int
        ) -> (Double, Double, Double, Double) {
            (dot(q, k, n), dot(q, k + stride, n), dot(q, k + 2 * stride, n), dot(q, k + 3 * stride, n))
        }

        static func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
            for i in 0..<n { y[i] += a * x[i] }
        }

        static func fwht(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
            var h = 1
            while h < n {
                var i = 0
                while i < n {
                    for j in i..<(i + h) {
                        let a = x[j]
                        let b = x[j + h]
                        x[j] = a + b
                        x[j + h] = a - b
                    }
                    i += 2 * h
                }
                h *= 2
            }
            let scale = 1 / Double(n).squareRoot()
            for i in 0..<n { x[i] *= scale }
        }

        static func accumulate(
            _ a: UnsafePointer<Double>, rows x: UnsafePointer<Double>, rowStride: Int, count: Int,
            into y: UnsafeMutablePointer<Double>, _ n: Int, positiveOnly: Bool
        ) {
            for k in 0..<count where !positiveOnly || a[k] > 0 { axpy(a[k], x + k * rowStride, y, n) }
        }
    }

    /// The SIMD bodies (optimised builds).
    enum Vector {
        @inline(__always)
        static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
            let ra = UnsafeRawPointer(a)
            let rb = UnsafeRawPointer(b)
            var acc = SIMD4<Double>()
            var i = 0
            while i + 4 <= n {
                acc +=
                    ra.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                    * rb.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
                i &+= 4
            }
            var s0 = acc[0]
            while i < n {
                s0 += a[i] * b[i]
                i &+= 1
            }
            return (s0 + acc[1]) + (acc[2] + acc[3])
        }

        /// The query is loaded once per block of four keys.
        @inline(__always)
        static func dot4(
            _ q: UnsafePointer<Double>, _ k: UnsafePointer<Double>, stride: Int, _ n: Int
        ) -> (Double, Double, Double, Double) {
            let rq = UnsafeRawPointer(q)
            let r0 = UnsafeRawPointer(k)
            let r1 = UnsafeRawPointer(k + stride)
            let r2 = UnsafeRawPointer(k + 2 * stride)
            let r3 = UnsafeRawPointer(k + 3 * stride)
            var a0 = SIMD4<Double>()
            var a1 = SIMD4<Double>()
            var a2 = SIMD4<Double>()
            var a3 = SIMD4<Double>()
            var i = 0
            while i < n {
                let off = i &* 8
                let qv = rq.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                a0 += qv * r0.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                a1 += qv * r1.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                a2 += qv * r2.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                a3 += qv * r3.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                i &+= 4
            }
            return (
                (a0[0] + a0[1]) + (a0[2] + a0[3]), (a1[0] + a1[1]) + (a1[2] + a1[3]),
                (a2[0] + a2[1]) + (a2[2] + a2[3]), (a3[0] + a3[1]) + (a3[2] + a3[3])
            )
        }

        @inline(__always)
        static func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
            let rx = UnsafeRawPointer(x)
            let ry = UnsafeMutableRawPointer(y)
            let av = SIMD4<Double>(repeating: a)
            var i = 0
            while i + 4 <= n {
                let off = i &* 8
                let v =
                    ry.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                    + av * rx.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                ry.storeBytes(of: v, toByteOffset: off, as: SIMD4<Double>.self)
                i &+= 4
            }
            while i < n {
                y[i] += a * x[i]
                i &+= 1
            }
        }

        /// Register-blocked: 16 (then 4) values of y stay in registers while every row adds its term.
        @inline(__always)
        static func accumulate(
            _ a: UnsafePointer<Double>, rows x: UnsafePointer<Double>, rowStride: Int, count: Int,
            into y: UnsafeMutablePointer<Double>, _ n: Int, positiveOnly: Bool
        ) {
            let ry = UnsafeMutableRawPointer(y)
            let rx = UnsafeRawPointer(x)
            let rowBytes = rowStride &* 8
            var c = 0
            while c &+ 16 <= n {
                let off = c &* 8
                var y0 = ry.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                var y1 = ry.loadUnaligned(fromByteOffset: off &+ 32, as: SIMD4<Double>.self)
                var y2 = ry.loadUnaligned(fromByteOffset: off &+ 64, as: SIMD4<Double>.self)
                var y3 = ry.loadUnaligned(fromByteOffset: off &+ 96, as: SIMD4<Double>.self)
                var row = off
                for k in 0..<count {
                    let ak = a[k]
                    if !positiveOnly || ak > 0 {
                        let av = SIMD4<Double>(repeating: ak)
                        y0 += av * rx.loadUnaligned(fromByteOffset: row, as: SIMD4<Double>.self)
                        y1 += av * rx.loadUnaligned(fromByteOffset: row &+ 32, as: SIMD4<Double>.self)
                        y2 += av * rx.loadUnaligned(fromByteOffset: row &+ 64, as: SIMD4<Double>.self)
                        y3 += av * rx.loadUnaligned(fromByteOffset: row &+ 96, as: SIMD4<Double>.self)
                    }
                    row &+= rowBytes
                }
                ry.storeBytes(of: y0, toByteOffset: off, as: SIMD4<Double>.self)
                ry.storeBytes(of: y1, toByteOffset: off &+ 32, as: SIMD4<Double>.self)
                ry.storeBytes(of: y2, toByteOffset: off &+ 64, as: SIMD4<Double>.self)
                ry.storeBytes(of: y3, toByteOffset: off &+ 96, as: SIMD4<Double>.self)
                c &+= 16
            }
            while c &+ 4 <= n {
                let off = c &* 8
                var y0 = ry.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                var row = off
                for k in 0..<count {
                    let ak = a[k]
                    if !positiveOnly || ak > 0 {
                        y0 +=
                            SIMD4<Double>(repeating: ak) * rx.loadUnaligned(fromByteOffset: row, as: SIMD4<Double>.self)
                    }
                    row &+= rowBytes
                }
                ry.storeBytes(of: y0, toByteOffset: off, as: SIMD4<Double>.self)
                c &+= 4
            }
            while c < n {
                var sum = y[c]
                for k in 0..<count where !positiveOnly || a[k] > 0 { sum += a[k] * x[k &* rowStride &+ c] }
                y[c] = sum
                c &+= 1
            }
        }

        /// Radix-4 passes: stages h and 2h in registers per pass, so the vector is read and written
        /// about half as often as by the textbook loop; the last pass also applies 1/√n to each value
        /// right after computing it (the same rounding as a separate pass).
        static func fwht(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
            guard n >= 16 else { return Scalar.fwht(x, n) }
            let scale = 1 / Double(n).squareRoot()
            // Stages 1 and 2 on groups of four neighbours.
            var i = 0
            while i < n {
                let a = x[i]
                let b = x[i &+ 1]
                let c = x[i &+ 2]
                let d = x[i &+ 3]
                let s0 = a + b
                let t0 = a - b
                let s1 = c + d
                let t1 = c - d
                x[i] = s0 + s1
                x[i &+ 1] = t0 + t1
                x[i &+ 2] = s0 - s1
                x[i &+ 3] = t0 - t1
                i &+= 4
            }
            // Stages h and 2h together on SIMD4 lanes, then a last single stage when one is left.
            let raw = UnsafeMutableRawPointer(x)
            var h = 4
            while 4 &* h <= n {
                let last = 4 &* h == n
                var block = 0
                while block < n {
                    var j = block
                    while j < block &+ h {
                        let o0 = j &* 8
                        let o1 = (j &+ h) &* 8
                        let o2 = (j &+ 2 &* h) &* 8
                        let o3 = (j &+ 3 &* h) &* 8
                        let x0 = raw.loadUnaligned(fromByteOffset: o0, as: SIMD4<Double>.self)
                        let x1 = raw.loadUnaligned(fromByteOffset: o1, as: SIMD4<Double>.self)
                        let x2 = raw.loadUnaligned(fromByteOffset: o2, as: SIMD4<Double>.self)
                        let x3 = raw.loadUnaligned(fromByteOffset: o3, as: SIMD4<Double>.self)
                        let y0 = x0 + x1
                        let y1 = x0 - x1
                        let y2 = x2 + x3
                        let y3 = x2 - x3
                        var z0 = y0 + y2
                        var z1 = y1 + y3
                        var z2 = y0 - y2
                        var z3 = y1 - y3
                        if last {
                            z0 *= scale
                            z1 *= scale
                            z2 *= scale
                            z3 *= scale
                        }
                        raw.storeBytes(of: z0, toByteOffset: o0, as: SIMD4<Double>.self)
                        raw.storeBytes(of: z1, toByteOffset: o1, as: SIMD4<Double>.self)
                        raw.storeBytes(of: z2, toByteOffset: o2, as: SIMD4<Double>.self)
                        raw.storeBytes(of: z3, toByteOffset: o3, as: SIMD4<Double>.self)
                        j &+= 4
                    }
                    block &+= 4 &* h
                }
                h &*= 4
            }
            if 2 &* h == n {
                var j = 0
                while j < h {
                    let lo = j &* 8
                    let hi = (j &+ h) &* 8
                    let a = raw.loadUnaligned(fromByteOffset: lo, as: SIMD4<Double>.self)
                    let b = raw.loadUnaligned(fromByteOffset: hi, as: SIMD4<Double>.self)
                    raw.storeBytes(of: (a + b) * scale, toByteOffset: lo, as: SIMD4<Double>.self)
                    raw.storeBytes(of: (a - b) * scale, toByteOffset: hi, as: SIMD4<Double>.self)
                    j &+= 4
                }
            }
        }
    }

    /// Matrix–vector products y_t = M x_t for `count` vectors (x_t at x + t·cols, y_t at y + t·rows) and
    /// a row-major `rows × cols` matrix.
    ///
    /// Cache-blocked: each block of four rows of M serves every vector before the next block, so M is
    /// read from memory once per call rather than once per vector. Every value is the same
    /// ``dot4(_:_:stride:_:)`` or ``dot(_:_:_:)`` as for a single vector.
    ///
    /// - Complexity: O(count · rows · cols).
    static func matVec(
        _ m: UnsafePointer<Double>, rows: Int, cols: Int, _ x: UnsafePointer<Double>,
        _ y: UnsafeMutablePointer<Double>, count: Int = 1
    ) {
        var i = 0
        if cols % 4 == 0 && KernelPath.usesAVX2 {
            i = rows / 4 * 4
            kvlab_avx2_dots(x, count, m, i, cols, 1, y, rows)  // × 1 is exact
        } else if cols % 4 == 0 {
            while i + 4 <= rows {
                let block = m + i * cols
                for t in 0..<count {
                    let four = dot4(x + t * cols, block, stride: cols, cols)
                    let yt = y + t * rows
                    yt[i] = four.0
                    yt[i + 1] = four.1
                    yt[i + 2] = four.2
                    yt[i + 3] = four.3
                }
                i += 4
            }
        }
        while i < rows {
            for t in 0..<count { y[t * rows + i] = dot(m + i * cols, x + t * cols, cols) }
            i += 1
        }
    }

    /// Transposed products y_t = Mᵀ x_t for `count` vectors (x_t at x + t·rows, y_t at y + t·cols) and a
    /// row-major `rows × cols` matrix: y_t = Σᵢ x_t[i]·Mᵢ, summed over i in order.
    ///
    /// Blocked: 16 columns of M (16·rows values) serve every vector before the next 16, and each
    /// vector's 16 sums stay in registers over the rows (``accumulate(_:rows:rowStride:count:into:_:positiveOnly:)``).
    ///
    /// - Complexity: O(count · rows · cols).
    static func matTVec(
        _ m: UnsafePointer<Double>, rows: Int, cols: Int, _ x: UnsafePointer<Double>,
        _ y: UnsafeMutablePointer<Double>, count: Int = 1
    ) {
        if KernelPath.usesAVX2 { return kvlab_avx2_transpose_times(m, rows, cols, x, y, count) }
        if KernelPath.usesBaselineC { return kvlab_base_transpose_times(m, rows, cols, x, y, count) }
        y.update(repeating: 0, count: count * cols)
        var c = 0
        while c < cols {
            let width = min(16, cols - c)
            for t in 0..<count {
                accumulate(
                    x + t * rows, rows: m + c, rowStride: cols, count: rows, into: y + t * cols + c, width,
                    positiveOnly: false)
            }
            c += width
        }
    }

    /// Euclidean norm of `n` values (dot-product based; values here are O(1) so no scaling is needed).
    @inline(__always)
    static func norm(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        dot(x, x, n).squareRoot()
    }
}
