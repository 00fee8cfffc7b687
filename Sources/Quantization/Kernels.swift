/// The hot numeric kernels: concrete `Double` loops over unsafe buffers, no allocation.
///
/// This is the one audited unsafe place of the engine. Every kernel has a plain reference
/// implementation in the tests that it is compared against. Summation order is fixed (never depends on
/// threads), so results are bit-reproducible.
enum Kernels {
    // The SIMD bodies below are used in optimised builds. Debug builds (-Onone), where SIMD types are
    // unspecialised generic code and ~50× slower, use the scalar bodies instead; both perform exactly the
    // same IEEE operations in the same order (checked bit for bit against plain reference code by
    // KernelTests, which CI also runs in release), so results do not depend on the build configuration.

    /// Dot product ⟨a, b⟩ of `n` values, with four fixed partial sums (lane k sums the products at
    /// indices ≡ k mod 4, combined as (s₀ + s₁) + (s₂ + s₃)). SIMD lanes give exactly these sums.
    ///
    /// - Complexity: O(n).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        #if DEBUG
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
        #else
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
        #endif
    }

    /// Four dot products ⟨q, k₀⟩ … ⟨q, k₃⟩ at once (keys `stride` values apart), each bit-identical to
    /// ``dot(_:_:_:)``; the query is loaded once per block.
    ///
    /// - Precondition: `n` is a multiple of 4.
    /// - Complexity: O(4n).
    @inline(__always)
    static func dot4(
        _ q: UnsafePointer<Double>, _ k: UnsafePointer<Double>, stride: Int, _ n: Int
    ) -> (Double, Double, Double, Double) {
        #if DEBUG
            return (dot(q, k, n), dot(q, k + stride, n), dot(q, k + 2 * stride, n), dot(q, k + 3 * stride, n))
        #else
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
        #endif
    }

    /// y ← y + a·x over `n` values.
    ///
    /// - Complexity: O(n).
    @inline(__always)
    static func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        var i = 0
        #if !DEBUG
            let rx = UnsafeRawPointer(x)
            let ry = UnsafeMutableRawPointer(y)
            let av = SIMD4<Double>(repeating: a)
            while i + 4 <= n {
                let off = i &* 8
                let v =
                    ry.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                    + av * rx.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                ry.storeBytes(of: v, toByteOffset: off, as: SIMD4<Double>.self)
                i &+= 4
            }
        #endif
        while i < n {
            y[i] += a * x[i]
            i &+= 1
        }
    }

    /// In-place normalised fast Walsh–Hadamard transform (Sylvester order), x ← H x with H = H_n/√n,
    /// so that H is orthogonal and symmetric (H·H = I).
    ///
    /// - Parameters:
    ///   - x: the vector, transformed in place.
    ///   - n: its length, a power of two.
    /// - Complexity: O(n log n).
    static func fwht(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
        // Stages h = 1 and 2 in scalar code, h ≥ 4 on SIMD4 lanes (optimised builds): the same additions
        // and subtractions in the same order as the textbook loop, so results are bit-identical to it.
        var h = 1
        #if DEBUG
            let scalarUpTo = n
        #else
            let scalarUpTo = 4
        #endif
        while h < n && h < scalarUpTo {
            var i = 0
            while i < n {
                var j = i
                let end = i &+ h
                while j < end {
                    let a = x[j]
                    let b = x[j &+ h]
                    x[j] = a + b
                    x[j &+ h] = a - b
                    j &+= 1
                }
                i &+= 2 &* h
            }
            h &*= 2
        }
        #if !DEBUG
            let raw = UnsafeMutableRawPointer(x)
            while h < n {
                var i = 0
                while i < n {
                    var j = i
                    let end = i &+ h
                    while j < end {
                        let lo = j &* 8
                        let hi = (j &+ h) &* 8
                        let a = raw.loadUnaligned(fromByteOffset: lo, as: SIMD4<Double>.self)
                        let b = raw.loadUnaligned(fromByteOffset: hi, as: SIMD4<Double>.self)
                        raw.storeBytes(of: a + b, toByteOffset: lo, as: SIMD4<Double>.self)
                        raw.storeBytes(of: a - b, toByteOffset: hi, as: SIMD4<Double>.self)
                        j &+= 4
                    }
                    i &+= 2 &* h
                }
                h &*= 2
            }
        #endif
        let scale = 1 / Double(n).squareRoot()
        for i in 0..<n { x[i] *= scale }
    }

    /// Matrix–vector product y = M x for a row-major `rows × cols` matrix.
    ///
    /// - Complexity: O(rows · cols).
    static func matVec(
        _ m: UnsafePointer<Double>, rows: Int, cols: Int, _ x: UnsafePointer<Double>,
        _ y: UnsafeMutablePointer<Double>
    ) {
        var i = 0
        if cols % 4 == 0 {
            while i + 4 <= rows {
                let four = dot4(x, m + i * cols, stride: cols, cols)
                y[i] = four.0
                y[i + 1] = four.1
                y[i + 2] = four.2
                y[i + 3] = four.3
                i += 4
            }
        }
        while i < rows {
            y[i] = dot(m + i * cols, x, cols)
            i += 1
        }
    }

    /// Transposed matrix–vector product y = Mᵀ x for a row-major `rows × cols` matrix.
    ///
    /// - Complexity: O(rows · cols).
    static func matTVec(
        _ m: UnsafePointer<Double>, rows: Int, cols: Int, _ x: UnsafePointer<Double>,
        _ y: UnsafeMutablePointer<Double>
    ) {
        for j in 0..<cols { y[j] = 0 }
        for i in 0..<rows {
            axpy(x[i], m + i * cols, y, cols)
        }
    }

    /// Euclidean norm of `n` values (dot-product based; values here are O(1) so no scaling is needed).
    @inline(__always)
    static func norm(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        dot(x, x, n).squareRoot()
    }
}
