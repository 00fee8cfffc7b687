import Testing

@testable import Quantization

/// The fast kernels against plain reference implementations, bit for bit.
@Suite("Kernels = reference implementations")
struct KernelTests {
    /// The reference dot product: four scalar partial sums, (s₀ + s₁) + (s₂ + s₃).
    static func referenceDot(_ a: [Double], _ b: [Double]) -> Double {
        var s = [0.0, 0.0, 0.0, 0.0]
        let n = a.count
        var i = 0
        while i + 4 <= n {
            for k in 0..<4 { s[k] += a[i + k] * b[i + k] }
            i += 4
        }
        while i < n {
            s[0] += a[i] * b[i]
            i += 1
        }
        return (s[0] + s[1]) + (s[2] + s[3])
    }

    /// The textbook in-place FWHT, normalised.
    static func referenceFWHT(_ x: [Double]) -> [Double] {
        var y = x
        var h = 1
        while h < y.count {
            for i in stride(from: 0, to: y.count, by: 2 * h) {
                for j in i..<(i + h) {
                    let a = y[j]
                    let b = y[j + h]
                    y[j] = a + b
                    y[j + h] = a - b
                }
            }
            h *= 2
        }
        let scale = 1 / Double(y.count).squareRoot()
        return y.map { $0 * scale }
    }

    static func vector(_ n: Int, seed: Int) -> [Double] {
        var s = RandomStream(seed: seed, trial: 0, role: .auxiliary)
        return (0..<n).map { _ in s.gaussian() * 3 }
    }

    @Test("dot, dot4 and matVec equal the reference sums bit for bit", arguments: [5, 16, 128, 131])
    func dots(n: Int) {
        let a = Self.vector(n, seed: 1)
        let keys = (0..<4).map { Self.vector(n, seed: 10 + $0) }
        let expected = keys.map { Self.referenceDot(a, $0) }
        a.withUnsafeBufferPointer { ap in
            for (k, key) in keys.enumerated() {
                key.withUnsafeBufferPointer { kp in
                    #expect(Kernels.dot(ap.baseAddress!, kp.baseAddress!, n).bitPattern == expected[k].bitPattern)
                }
            }
            if n % 4 == 0 {
                let flat = keys.flatMap { $0 }
                flat.withUnsafeBufferPointer { fp in
                    let four = Kernels.dot4(ap.baseAddress!, fp.baseAddress!, stride: n, n)
                    let lanes = [four.0, four.1, four.2, four.3]
                    for k in 0..<4 { #expect(lanes[k].bitPattern == expected[k].bitPattern) }
                    var y = [Double](repeating: 0, count: 4)
                    Kernels.matVec(fp.baseAddress!, rows: 4, cols: n, ap.baseAddress!, &y)
                    for k in 0..<4 { #expect(y[k].bitPattern == expected[k].bitPattern) }
                }
            }
        }
    }

    @Test("axpy equals y[i] + a·x[i]", arguments: [7, 128])
    func axpy(n: Int) {
        let x = Self.vector(n, seed: 2)
        var y = Self.vector(n, seed: 3)
        let expected = zip(y, x).map { $0 + 0.37 * $1 }
        x.withUnsafeBufferPointer { xp in Kernels.axpy(0.37, xp.baseAddress!, &y, n) }
        #expect(zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test("FWHT equals the textbook loop bit for bit", arguments: [16, 128, 1024])
    func fwht(n: Int) {
        let x = Self.vector(n, seed: 4)
        var y = x
        y.withUnsafeMutableBufferPointer { Kernels.fwht($0.baseAddress!, n) }
        let expected = Self.referenceFWHT(x)
        #expect(zip(y, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test("the lookup encoder equals binary search, on thresholds, between them, outside, NaN and ±∞")
    func encoder() {
        for (law, dim, bits) in [(CodebookLaw.beta, 16, 1), (.beta, 128, 4), (.gaussian, 64, 8), (.beta, 4096, 3)] {
            let cb = Codebook(law: law, dim: dim, bits: bits)
            var probes: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1]
            for t in cb.thresholds { probes += [t, t.nextUp, t.nextDown] }
            var s = RandomStream(seed: 5, trial: 0, role: .auxiliary)
            for _ in 0..<3000 { probes.append(s.gaussian() * 1.5 / Double(dim).squareRoot()) }
            for t in probes { #expect(cb.encode(t) == cb.encodeBySearch(t), "\(law) d=\(dim) b=\(bits) t=\(t)") }
        }
    }
}
