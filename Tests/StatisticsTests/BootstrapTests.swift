import Testing

@testable import Statistics

@Suite struct BootstrapTests {
    /// scipy.stats.bootstrap (paired, seeded numpy Generator) fed the very same resample indices.
    @Test func matchesScipyOnSameResamples() throws {
        let fixture = try Fixture("bootstrap.json")
        let a = Fixture.doubles(fixture.root["a"])
        let b = Fixture.doubles(fixture.root["b"])
        let rows = (fixture.root["indices"]?.array ?? []).map { ($0.array ?? []).map { $0.int ?? -1 } }
        let flat = rows.flatMap { $0 }
        #expect(rows.count == 400 && flat.count == 400 * a.count)
        for item in fixture.cases() {
            let name = item["statistic"]?.string ?? "?"
            let statistic: Bootstrap.Statistic
            switch name {
            case "mean": statistic = .init(numerator: b, denominator: nil)
            case "mean_difference": statistic = .init(numerator: zip(a, b).map { $1 - $0 }, denominator: nil)
            default: statistic = .init(numerator: b, denominator: a)
            }
            for level in [0.9, 0.95] {
                var cursor = 0
                let interval = Bootstrap.interval(statistic, confidence: level, resamples: rows.count) { n in
                    #expect(n == a.count)
                    defer { cursor += 1 }
                    return flat[cursor]
                }
                let percentile = Fixture.doubles(item["percentile_\(level)"])
                let bca = Fixture.doubles(item["bca_\(level)"])
                #expect(isClose(interval.percentileLow, percentile[0], relative: 1e-12), "\(name) \(level)")
                #expect(isClose(interval.percentileHigh, percentile[1], relative: 1e-12), "\(name) \(level)")
                #expect(isClose(interval.bcaLow, bca[0], relative: 1e-10), "\(name) \(level) BCa \(interval)")
                #expect(isClose(interval.bcaHigh, bca[1], relative: 1e-10), "\(name) \(level) BCa \(interval)")
            }
        }
    }

    @Test func reproducible() {
        let a: [Double] = [3, 5, 7, 2, 8, 9, 4, 6, 5, 7]
        let b: [Double] = [5, 9, 12, 3, 14, 15, 8, 10, 9, 12]
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        let one = Bootstrap.ratioOfMeans(a, b, using: &first)
        let two = Bootstrap.ratioOfMeans(a, b, using: &second)
        #expect(one == two)
        #expect(first.next() == second.next())
        var other = SplitMix64(seed: 8)
        #expect(Bootstrap.ratioOfMeans(a, b, using: &other) != one)
        #expect(one.resamples == Bootstrap.defaultResamples)
        #expect(one.percentileLow < one.estimate && one.estimate < one.percentileHigh)
    }

    @Test func uniformIndexIsPinned() {
        // Lemire's method on SplitMix64(42): ⌊x·10/2⁶⁴⌋, checked against Python big-integer arithmetic.
        var generator = SplitMix64(seed: 42)
        let draws = (0..<8).map { _ in Bootstrap.uniformIndex(below: 10, using: &generator) }
        #expect(draws == [7, 1, 2, 3, 0, 8, 2, 8])
        // Rejection: for n = 3 the product with low word 0 (< 2⁶⁴ mod 3 = 1) is rejected.
        var scripted = ScriptedGenerator(outputs: [0, UInt64.max])
        #expect(Bootstrap.uniformIndex(below: 3, using: &scripted) == 2)
        #expect(scripted.outputs.isEmpty)
        var counts = [0, 0, 0]
        var generator2 = SplitMix64(seed: 1)
        for _ in 0..<30_000 { counts[Bootstrap.uniformIndex(below: 3, using: &generator2)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }

    @Test func ratioCoversTruthOnLargeSample() {
        // a ~ U(1, 3), b = 2·a·noise with E[noise] = 1 independent of a ⇒ mean_b/mean_a → 2.
        var data = SplitMix64(seed: 2024)
        func uniform() -> Double { Double(data.next() >> 11) * 0x1p-53 }
        let a = (0..<2000).map { _ in 1 + 2 * uniform() }
        let b = a.map { 2 * $0 * (0.5 + uniform()) }
        var generator = SplitMix64(seed: 99)
        let interval = Bootstrap.ratioOfMeans(a, b, resamples: 500, using: &generator)
        #expect(interval.percentileLow < 2 && 2 < interval.percentileHigh, "\(interval)")
        #expect(interval.bcaLow < 2 && 2 < interval.bcaHigh, "\(interval)")
        #expect(interval.percentileHigh - interval.percentileLow < 0.1)
    }

    @Test func bcaNearPercentileWhenSymmetric() {
        // A symmetric sample: BCa's bias correction and acceleration are ~0, so both intervals agree.
        let values = (-50...50).map { Double($0) }
        var generator = SplitMix64(seed: 5)
        let interval = Bootstrap.mean(values, resamples: 2000, using: &generator)
        #expect(abs(interval.acceleration) < 1e-12)
        #expect(abs(interval.biasCorrection) < 0.1)
        let width = interval.percentileHigh - interval.percentileLow
        #expect(abs(interval.bcaLow - interval.percentileLow) < 0.05 * width)
        #expect(abs(interval.bcaHigh - interval.percentileHigh) < 0.05 * width)
        var generator2 = SplitMix64(seed: 5)
        let difference = Bootstrap.meanDifference(
            values.map { $0 + 10 }, values.map { 2 * $0 + 13 }, using: &generator2)
        #expect(abs(difference.estimate - 3) < 1e-12)
    }

    @Test func degenerateInputs() {
        var generator = SplitMix64(seed: 3)
        let single = Bootstrap.mean([4], using: &generator)
        #expect(single.estimate == 4 && single.percentileLow.isNaN && single.bcaHigh.isNaN)
        let empty = Bootstrap.mean([], using: &generator)
        #expect(empty.estimate.isNaN && empty.percentileLow.isNaN)
        let identical = Bootstrap.ratioOfMeans([2, 2, 2], [3, 3, 3], using: &generator)
        #expect(identical.estimate == 1.5)
        #expect(identical.percentileLow == 1.5 && identical.percentileHigh == 1.5)
        #expect(identical.bcaLow == 1.5 && identical.bcaHigh == 1.5)
        let zeroDenominator = Bootstrap.ratioOfMeans([0, 0, 0], [1, 2, 3], using: &generator)
        #expect(zeroDenominator.percentileLow.isNaN && zeroDenominator.bcaLow.isNaN)
        let someZeroResamples = Bootstrap.ratioOfMeans([0, 0, 1], [1, 2, 3], using: &generator)
        #expect(someZeroResamples.estimate == 6 && someZeroResamples.percentileLow.isNaN)
        let noResamples = Bootstrap.mean([1, 2, 3], resamples: 0, using: &generator)
        #expect(noResamples.percentileLow.isNaN)
    }
}
