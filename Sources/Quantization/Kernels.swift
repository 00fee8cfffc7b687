/// The hot numeric kernels: concrete `Double` loops over unsafe buffers, no allocation.
///
/// This is the one audited unsafe place of the engine. Every kernel has a plain reference
/// implementation in the tests that it is compared against. Summation order is fixed (never depends on
/// threads), so results are bit-reproducible.
enum Kernels {
    /// Dot product ⟨a, b⟩ of `n` values, with four fixed partial sums.
    ///
    /// - Complexity: O(n).
    @inline(__always)
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

    /// y ← y + a·x over `n` values.
    ///
    /// - Complexity: O(n).
    @inline(__always)
    static func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        var i = 0
        while i < n {
            y[i] += a * x[i]
            i += 1
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
        var h = 1
        while h < n {
            var i = 0
            while i < n {
                var j = i
                let end = i + h
                while j < end {
                    let a = x[j]
                    let b = x[j + h]
                    x[j] = a + b
                    x[j + h] = a - b
                    j += 1
                }
                i += 2 * h
            }
            h *= 2
        }
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
        for i in 0..<rows {
            y[i] = dot(m + i * cols, x, cols)
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
