import Testing

@testable import Statistics

/// Holm (hand-computed in the generator) and Benjamini–Hochberg (scipy `false_discovery_control`).
@Suite struct PValueAdjustmentTests {
    @Test func againstFixtures() throws {
        let cases = try Fixture("multiplicity.json").cases()
        #expect(cases.count >= 5)
        for item in cases {
            let p = Fixture.doubles(item["p"])
            let holm = PValueAdjustment.holm(p)
            let bh = PValueAdjustment.benjaminiHochberg(p)
            for (actual, expected) in zip(holm, Fixture.doubles(item["holm"])) {
                #expect(isClose(actual, expected, relative: 1e-12), "Holm \(p)")
            }
            for (actual, expected) in zip(bh, Fixture.doubles(item["bh"])) {
                #expect(isClose(actual, expected, relative: 1e-12), "BH \(p)")
            }
        }
    }

    @Test func edgeCases() {
        #expect(PValueAdjustment.holm([]).isEmpty)
        #expect(PValueAdjustment.benjaminiHochberg([]).isEmpty)
        let withNaN = PValueAdjustment.holm([0.01, .nan, 0.04])
        #expect(withNaN[1].isNaN && withNaN[0] == 0.02 && withNaN[2] == 0.04)
        #expect(PValueAdjustment.holm([0.6, 0.7]) == [1, 1])
    }
}
