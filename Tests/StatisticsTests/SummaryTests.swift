import Testing

@testable import Statistics

@Suite struct SummaryTests {
    @Test func basicMoments() {
        let summary = Summary([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(summary.n == 8)
        #expect(summary.mean == 5)
        #expect(abs(summary.sd - 2.138089935299395) < 1e-14)
        #expect(abs(summary.se - 2.138089935299395 / 8.0.squareRoot()) < 1e-14)
        #expect(summary.median == 4.5)
        #expect(summary.min == 2)
        #expect(summary.max == 9)
        // t_{0.975, 7} = 2.364624251592784 (scipy.stats.t.ppf).
        let half = 2.364624251592784 * summary.se
        #expect(abs(summary.ciLow - (5 - half)) < 1e-12)
        #expect(abs(summary.ciHigh - (5 + half)) < 1e-12)
    }

    @Test func smallSamples() {
        let empty = Summary([])
        #expect(empty.n == 0)
        #expect(empty.mean.isNaN && empty.median.isNaN && empty.ciLow.isNaN)
        let one = Summary([3])
        #expect(one.mean == 3 && one.median == 3 && one.min == 3 && one.max == 3)
        #expect(one.sd.isNaN && one.se.isNaN && one.ciLow.isNaN && one.ciHigh.isNaN)
        let constant = Summary([1.5, 1.5, 1.5])
        #expect(constant.sd == 0 && constant.ciLow == 1.5 && constant.ciHigh == 1.5)
    }

    @Test func type7Quantile() {
        let sorted: [Double] = [1, 2, 3, 4]
        #expect(Summary.quantile(sorted, 0) == 1)
        #expect(Summary.quantile(sorted, 1) == 4)
        #expect(Summary.quantile(sorted, 0.5) == 2.5)
        #expect(Summary.quantile(sorted, 0.25) == 1.75)
        #expect(Summary.quantile([], 0.5).isNaN)
    }
}
