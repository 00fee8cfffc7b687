import Testing

@testable import Quantization

@Suite("Random streams and samplers")
struct SamplerTests {
    @Test("unit variance, zero mean, and the right tails", arguments: Distribution.allCases)
    func moments(distribution: Distribution) {
        var s = RandomStream(seed: 1, trial: 2, role: .keyFactors)
        let n = 60_000
        var sum = 0.0
        var sumSq = 0.0
        for _ in 0..<n {
            let x = s.sample(distribution)
            sum += x
            sumSq += x * x
        }
        let mean = sum / Double(n)
        let variance = sumSq / Double(n) - mean * mean
        #expect(abs(mean) < 4 / Double(n).squareRoot())
        // Var of x² is finite for all but t3; allow the heavier tails a wider band.
        let tolerance = distribution == .t3 ? 0.15 : 0.04
        #expect(abs(variance - 1) < tolerance, "\(distribution): variance \(variance)")
    }

    @Test("streams differ by seed, trial and role and repeat exactly")
    func streams() {
        var a = RandomStream(seed: 1, trial: 0, role: .keyNoise)
        var b = RandomStream(seed: 1, trial: 0, role: .keyNoise)
        var c = RandomStream(seed: 1, trial: 0, role: .valueNoise)
        var d = RandomStream(seed: 1, trial: 1, role: .keyNoise)
        var e = RandomStream(seed: 2, trial: 0, role: .keyNoise)
        let x = (0..<8).map { _ in a.next() }
        #expect(x == (0..<8).map { _ in b.next() })
        #expect(x != (0..<8).map { _ in c.next() })
        #expect(x != (0..<8).map { _ in d.next() })
        #expect(x != (0..<8).map { _ in e.next() })
    }

    @Test("uniform in (0,1), Rademacher balanced, distinct indices distinct")
    func basics() {
        var s = RandomStream(seed: 3, trial: 0, role: .auxiliary)
        var plus = 0
        for _ in 0..<10_000 {
            let u = s.uniform()
            #expect(u > 0 && u < 1)
            if s.rademacher() > 0 { plus += 1 }
        }
        #expect(abs(plus - 5000) < 4 * 50)
        let idx = s.distinctIndices(20, from: 32)
        #expect(Set(idx).count == 20 && idx.allSatisfy { (0..<32).contains($0) })
    }
}
