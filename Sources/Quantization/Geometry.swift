import CKernels
import Statistics

/// Vector geometry for the error metrics (angles accurate for small angles).
enum Geometry {
    /// Angle between a and b in radians: 2·atan2(‖â − b̂‖, ‖â + b̂‖) on the unit vectors; 0 when both
    /// are zero, π/2 when exactly one is.
    static func angle(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        let na = Kernels.norm(a, n)
        let nb = Kernels.norm(b, n)
        if na == 0 || nb == 0 { return angle(norms: (na, nb), unitDifference: 0, unitSum: 0) }
        var diff = 0.0
        var sum = 0.0
        for i in 0..<n {
            let ua = a[i] / na
            let ub = b[i] / nb
            diff += (ua - ub) * (ua - ub)
            sum += (ua + ub) * (ua + ub)
        }
        return angle(norms: (na, nb), unitDifference: diff, unitSum: sum)
    }

    /// The angle from the norms of a and b and, when both are nonzero, ‖â − b̂‖² and ‖â + b̂‖².
    @inline(__always)
    static func angle(norms: (Double, Double), unitDifference diff: Double, unitSum sum: Double) -> Double {
        if norms.0 == 0 && norms.1 == 0 { return 0 }
        if norms.0 == 0 || norms.1 == 0 { return Double.pi / 2 }
        return 2 * Elementary.atan2(diff.squareRoot(), sum.squareRoot())
    }

    /// (‖x − x̂‖/‖x‖, ‖x̂‖/‖x‖ − 1), with 0/0 = 0 and c/0 = +∞.
    static func relativeErrors(_ x: UnsafePointer<Double>, _ xHat: UnsafePointer<Double>, _ n: Int)
        -> (relL2: Double, normRatio: Double)
    {
        let nx = Kernels.norm(x, n)
        let nh = Kernels.norm(xHat, n)
        var diff = 0.0
        for i in 0..<n { diff += (x[i] - xHat[i]) * (x[i] - xHat[i]) }
        return relativeErrors(norms: (nx, nh), squaredDistance: diff)
    }

    /// The relative errors from ‖x‖, ‖x̂‖ and ‖x − x̂‖².
    @inline(__always)
    static func relativeErrors(norms: (Double, Double), squaredDistance diff: Double)
        -> (relL2: Double, normRatio: Double)
    {
        let (nx, nh) = norms
        let d = diff.squareRoot()
        if nx == 0 {
            return (d == 0 ? 0 : .infinity, nh == 0 ? 0 : .infinity)
        }
        return (d / nx, nh / nx - 1)
    }

    /// Means over rows of the angle, the relative L2 error, the norm ratio and its magnitude.
    typealias RowErrors = (angle: Double, relL2: Double, normRatio: Double, absNormRatio: Double)

    /// Mean over rows of (angle, rel L2, norm ratio, |norm ratio|) between two matrices.
    ///
    /// With the C kernel bodies (AVX2, or the baseline ones on x86-64) four rows are reduced at once, one per
    /// lane, each with the sums (and their order) of ``angle(_:_:_:)`` and ``relativeErrors(_:_:_:)``.
    static func rowErrors(_ x: Matrix, _ xHat: Matrix) -> RowErrors {
        var angle = 0.0
        var rel = 0.0
        var ratio = 0.0
        var absRatio = 0.0
        let d = x.cols
        x.storage.withUnsafeBufferPointer { xb in
            xHat.storage.withUnsafeBufferPointer { hb in
                guard let xp = xb.baseAddress, let hp = hb.baseAddress else { return }
                if KernelPath.usesAVX2 || KernelPath.usesBaselineC {
                    // Per row: ‖x‖, ‖x̂‖, ‖x/‖x‖ − x̂/‖x̂‖‖², ‖x/‖x‖ + x̂/‖x̂‖‖², ‖x − x̂‖².
                    var sums = [Double](repeating: 0, count: 5 * x.rows)
                    if KernelPath.usesAVX2 {
                        kvlab_avx2_row_geometry(xp, hp, x.rows, d, &sums)
                    } else {
                        kvlab_base_row_geometry(xp, hp, x.rows, d, &sums)
                    }
                    for i in 0..<x.rows {
                        let norms = (sums[5 * i], sums[5 * i + 1])
                        angle += Geometry.angle(norms: norms, unitDifference: sums[5 * i + 2], unitSum: sums[5 * i + 3])
                        let e = relativeErrors(norms: norms, squaredDistance: sums[5 * i + 4])
                        rel += e.relL2
                        ratio += e.normRatio
                        absRatio += abs(e.normRatio)
                    }
                    return
                }
                for i in 0..<x.rows {
                    angle += Geometry.angle(xp + i * d, hp + i * d, d)
                    let e = relativeErrors(xp + i * d, hp + i * d, d)
                    rel += e.relL2
                    ratio += e.normRatio
                    absRatio += abs(e.normRatio)
                }
            }
        }
        let n = Double(max(x.rows, 1))
        return (angle / n, rel / n, ratio / n, absRatio / n)
    }
}
