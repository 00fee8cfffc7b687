import Sweeps
import Testing

/// Long and hostile specs are parsed in linear time and rejected by limits checked while parsing (issue 20
/// item 15: a 2.6 MB spec took 100 s to be rejected, because every grid value was compared with all the
/// values before it). Not timed tests: the sizes are chosen so that the quadratic version would take minutes
/// (the suite would hang visibly) while the linear version takes well under a second; each case asserts on
/// the error, which names the key path and the limit.
@Suite("Sweep spec limits")
struct SpecLimitTests {
    static let head = "name: x\nseeds: 2\n"

    /// `n` distinct noise values, `0.001, 0.002, …`.
    static func noiseList(_ n: Int) -> String {
        (1...n).map { "\($0 / 1000).\(String($0 % 1000 + 1000).dropFirst())" }.joined(separator: ", ")
    }

    @Test("a grid list longer than the combination limit is rejected by length, naming the list and the limit")
    func longGridList() throws {
        // 300 000 distinct values, 2.6 MB: the reproduction (quadratic: ~4.5e10 comparisons).
        let error = try #require(TestSupport.error(Self.head + "grid:\n  noise: [\(Self.noiseList(300_000))]\n"))
        #expect(error.keyPath == "grid.noise")
        #expect(error.message.hasPrefix("300000 values; a list may have at most 100000"), "\(error.message)")
        #expect(error.line == 4)
        // The same list as the second grid of a list of grids.
        let second = try #require(
            TestSupport.error(
                Self.head + "grids:\n  - {bits: [2]}\n  - {noise: [\(Self.noiseList(100_001))]}\n"))
        #expect(second.keyPath == "grids[1].noise")
        #expect(second.message.hasPrefix("100001 values; a list may have at most 100000"), "\(second.message)")
    }

    @Test("a repeated value at the end of a long list is found by a hash lookup, not a scan")
    func duplicateAtTheEnd() throws {
        // 60 000 values then a repeat of the first (quadratic: ~1.8e9 comparisons before the repeat is found).
        let text = Self.head + "grid:\n  noise: [\(Self.noiseList(60_000)), 0.1]\n"
        let error = try #require(TestSupport.error(text))
        #expect(error.keyPath == "grid.noise[60000]")
        #expect(error.message == "0.1 is listed twice (also [99])")
    }

    @Test("grids that together exceed the combination limit are rejected before their values are read")
    func aliasedGrids() throws {
        // One grid of 50 000 values referenced 1 000 times: 5e7 combinations, rejected from list lengths alone.
        let text =
            Self.head + "grids:\n  - &g {noise: [\(Self.noiseList(50_000))]}\n"
            + String(repeating: "  - *g\n", count: 999)
        let error = try #require(TestSupport.error(text))
        #expect(error.keyPath == "grids")
        #expect(error.message == "expands to 50000000 combinations (at most 100000 are allowed)")
    }

    @Test("a grid at the combination limit parses")
    func gridAtTheLimit() throws {
        let spec = try TestSupport.spec(
            "name: x\nseeds: 1\nfixed: {dim: 16, tokens: 16, queries: 1}\ngrid:\n  noise: [\(Self.noiseList(50_000))]\n"
                + "  bits: [2, 3]\n")
        #expect(spec.combinationCount == 100_000)
        #expect(spec.configs.count == 100_000)
    }

    @Test("exclude has a limit, checked before its entries are read")
    func longExclude() throws {
        let entries = String(repeating: "  - {bits: 2}\n", count: SweepSpec.maxExclusions + 1)
        let error = try #require(TestSupport.error(Self.head + "grid: {bits: [2, 3]}\nexclude:\n" + entries))
        #expect(error.keyPath == "exclude")
        #expect(error.message == "1001 entries; a spec may have at most 1000")
    }

    @Test("a seed list longer than the limit is rejected by length")
    func longSeedList() throws {
        let seeds = (0...SweepSpec.maxSeedCount).map(String.init).joined(separator: ", ")
        let error = try #require(TestSupport.error("name: x\nseeds: [\(seeds)]\nfixed: {bits: 2}\n"))
        #expect(error.keyPath == "seeds")
        #expect(error.message == "expected 1…100000 seeds, got 100001")
    }
}
