import Testing

@testable import Statistics

@Suite struct DistributionsSmokeTests {
    @Test func knownValues() {
        #expect(abs(Distributions.normalQuantile(0.975) - 1.959963984540054) < 1e-14)
        #expect(abs(Distributions.normalQuantile(1e-300) / -37.0470962993612 - 1) < 1e-14)
        #expect(abs(Distributions.studentTQuantile(0.975, df: 9) / 2.262157162798205 - 1) < 1e-13)
        #expect(abs(Distributions.studentTQuantile(0.975, df: 1) / 12.706204736174694 - 1) < 1e-13)
        #expect(abs(Distributions.studentTCDF(2, df: 5) - 0.9490302605850708) < 1e-14)
        #expect(abs(Distributions.studentTSF(40, df: 3) / 1.7190340394579253e-05 - 1) < 1e-12)
    }
}
