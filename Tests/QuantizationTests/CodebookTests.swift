import Testing

@testable import Quantization

@Suite("Lloyd–Max codebooks")
struct CodebookTests {
    /// docs/science.md: Gaussian N(0,1) Lloyd–Max distortion for b = 1…6.
    static let gaussianD: [Double] = [0.3633802, 0.1174818, 0.0345478, 0.0095010, 0.0025047, 0.0006442]
    /// docs/science.md: exact-law normalised D = d·C for b = 1…6.
    static let betaD64: [Double] = [0.358387, 0.114526, 0.033391, 0.009132, 0.002399, 0.000616]
    static let betaD256: [Double] = [0.362136, 0.116740, 0.034256, 0.009408, 0.002478, 0.000637]

    @Test("Gaussian table", arguments: 1...6)
    func gaussianTable(bits: Int) {
        let cb = Codebook(law: .gaussian, dim: 1, bits: bits)
        let expected = Self.gaussianD[bits - 1]
        #expect(abs(cb.mse - expected) < 6e-8, "b=\(bits): \(cb.mse) vs \(expected)")
    }

    @Test("Gaussian b=1 and b=2 levels")
    func gaussianLevels() {
        let b1 = Codebook(law: .gaussian, dim: 1, bits: 1)
        #expect(abs(b1.centroids[1] - 0.7978846) < 1e-7)
        #expect(abs(b1.centroids[0] + 0.7978846) < 1e-7)
        let b2 = Codebook(law: .gaussian, dim: 1, bits: 2)
        #expect(abs(b2.centroids[2] - 0.4527800) < 1e-7)
        #expect(abs(b2.centroids[3] - 1.5104176) < 1e-7)
        #expect(abs(b2.thresholds[2] - 0.9815988) < 1e-7)
        #expect(b2.thresholds[1] == 0)
    }

    @Test("exact law, d = 64 and 256", arguments: 1...6)
    func betaTable(bits: Int) {
        let c64 = Codebook(law: .beta, dim: 64, bits: bits)
        let c256 = Codebook(law: .beta, dim: 256, bits: bits)
        #expect(abs(c64.mse - Self.betaD64[bits - 1]) < 6e-7, "d=64 b=\(bits): \(c64.mse)")
        #expect(abs(c256.mse - Self.betaD256[bits - 1]) < 6e-7, "d=256 b=\(bits): \(c256.mse)")
    }

    @Test("d=64, b=1 centroid")
    func betaCentroid() {
        let cb = Codebook(law: .beta, dim: 64, bits: 1)
        #expect(abs(cb.centroids[1] - 0.1001259) < 1e-7)
    }

    @Test(
        "TurboQuant bounds 4^−b ≤ D ≤ (√3π/2)·4^−b",
        arguments: [CodebookLaw.beta, .gaussian], [16, 128, 4096])
    func bounds(law: CodebookLaw, dim: Int) {
        for bits in 1...8 {
            let cb = Codebook(law: law, dim: dim, bits: bits)
            let base = 1 / Double(1 << (2 * bits))
            #expect(cb.mse >= base * 0.999, "\(law) d=\(dim) b=\(bits): \(cb.mse) < 4^-b")
            #expect(cb.mse <= 3.0.squareRoot() * Double.pi / 2 * base, "\(law) d=\(dim) b=\(bits): \(cb.mse)")
            #expect(cb.centroids.count == 1 << bits)
            for i in 1..<cb.centroids.count { #expect(cb.centroids[i] > cb.centroids[i - 1]) }
        }
    }
}
