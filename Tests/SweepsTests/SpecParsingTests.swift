import Quantization
import Sweeps
import Testing

@Suite("Sweep spec parsing and expansion")
struct SpecParsingTests {
    @Test("a spec without grid is the single config of fixed, seeds count means 1…N, trials default 8")
    func minimal() throws {
        let spec = try TestSupport.spec("name: one\nseeds: 3\nfixed: {scheme: KV, bits: 3, rank: full}\n")
        #expect(spec.name == "one")
        #expect(spec.seeds == [1, 2, 3])
        #expect(spec.trials == 8)
        #expect(spec.grids.isEmpty)
        var expected = TrialConfig()
        expected.scheme = .KV
        expected.bits = 3
        #expect(spec.configs == [expected.resolved])
        #expect(spec.runs == [1, 2, 3].map { PlannedRun(config: expected.resolved, seed: $0) })
    }

    @Test("explicit seeds keep their order; 0 is a valid seed")
    func explicitSeeds() throws {
        let spec = try TestSupport.spec("name: s\nseeds: [7, 0, 3]\ntrials: 2\n")
        #expect(spec.seeds == [7, 0, 3])
        #expect(spec.trials == 2)
        #expect(spec.runs.map(\.seed) == [7, 0, 3])
    }

    @Test("JSON is accepted")
    func json() throws {
        let text = """
            {"name": "j", "seeds": [1, 2], "trials": 4,
             "fixed": {"dim": 64, "noise": 0.25, "logit_scale": 2},
             "grid": {"scheme": ["KQV", "QKQV"], "rank": [8, "full"]}}
            """
        let spec = try TestSupport.spec(text, source: "j.json")
        #expect(spec.configs.count == 4)
        #expect(spec.configs.map(\.rank) == [8, 64, 8, 64])
        #expect(spec.configs.allSatisfy { $0.dim == 64 && $0.noise == 0.25 && $0.logitScale == 2 })
    }

    @Test("numbers: integers for integer switches, decimals (or integers) for real ones")
    func numbers() throws {
        let spec = try TestSupport.spec(
            "name: n\nseeds: 1\nfixed: {noise: 0, outliers: 2, outlier_scale: 2.5e1, logit_scale: .5}\n")
        let config = try #require(spec.configs.first)
        #expect(config.noise == 0 && config.outliers == 2 && config.outlierScale == 25 && config.logitScale == 0.5)
    }

    @Test("switches that do not apply to a scheme are de-duplicated (rotation, qjl for KV)")
    func dedupNonApplicable() throws {
        let spec = try TestSupport.spec(
            """
            name: d
            seeds: 2
            grid:
              scheme: [KV, KQV]
              rotation: [wht1, haar, none]
              qjl: [gaussian, hadamard]
            """)
        #expect(spec.combinationCount == 12)
        // KV: one config (rotation and qjl are nil); KQV: 3 × 2.
        #expect(spec.configs.count == 1 + 6)
        #expect(
            spec.configs[0].scheme == .KV && spec.configs[0][switch: "rotation"] == .null
                && spec.configs[0][switch: "qjl"] == .null)
        #expect(spec.configs.dropFirst().allSatisfy { $0.scheme == .KQV })
        #expect(spec.runCount == 14)
    }

    @Test("codebook does not apply to KV with kv-uniform; rank equal to dim is full rank")
    func dedupCodebookAndRank() throws {
        let spec = try TestSupport.spec(
            """
            name: d
            seeds: 1
            fixed: {scheme: KV, dim: 32}
            grid:
              baseline: [kv-beta, kv-uniform]
              codebook: [beta, gaussian]
              rank: [32, full]
            """)
        #expect(spec.combinationCount == 8)
        #expect(spec.configs.count == 3)
        #expect(spec.configs.filter { $0.baseline == .kvUniform }.map { $0[switch: "codebook"] } == [.null])
    }

    @Test("exclude drops the configs that match every key of one entry, on resolved values")
    func exclude() throws {
        let spec = try TestSupport.spec(
            """
            name: e
            seeds: 1
            grid:
              scheme: [KV, KQV, QKQV]
              bits: [2, 3, 4]
              rotation: [wht3, none]
            exclude:
              - {scheme: QKQV, bits: 2}
              - {rotation: none, bits: 4}
              - {scheme: KV, rotation: haar}
            """)
        // 18 combinations; KV configs collapse over rotation.
        #expect(spec.combinationCount == 18)
        #expect(!spec.configs.contains { $0.scheme == .QKQV && $0.bits == 2 })
        #expect(!spec.configs.contains { $0.rotation == RotationKind.none && $0.bits == 4 })
        // {rotation: none} never matches KV (rotation does not apply to it): KV at bits 4 stays.
        #expect(spec.configs.contains { $0.scheme == .KV && $0.bits == 4 })
        // KV: 3 (one per bits); KQV: 6 − 1 (bits 4, none); QKQV: 6 − 2 (bits 2) − 1 (bits 4, none).
        #expect(spec.configs.count == 3 + 5 + 3)
        // The third entry matches nothing (rotation haar is not in the grid, and KV has no rotation).
        #expect(spec.unmatchedExclusions == [2])
        #expect(spec.excludedCount == 2 + 2)
    }

    @Test("exclude may remove combinations that would be invalid")
    func excludeInvalid() throws {
        let spec = try TestSupport.spec(
            """
            name: e
            seeds: 1
            grid:
              dim: [16, 64]
              rank: [8, 32]
            exclude:
              - {dim: 16, rank: 32}
            """)
        #expect(spec.configs.map(\.rank) == [8, 8, 32])
    }

    @Test("grids are unioned in order and de-duplicated, keeping the first occurrence")
    func gridsUnion() throws {
        let spec = try TestSupport.spec(
            """
            name: u
            seeds: 1
            fixed: {scheme: KQV}
            grids:
              - bits: [2, 4]
                norms: [f32, f16]
              - bits: [4, 6]
              - rotation: [haar]
            """)
        #expect(spec.grids.count == 3)
        #expect(spec.combinationCount == 4 + 2 + 1)
        // bits 4 (f32) is in grids[0] and grids[1] and is kept once, at its first place; grids[2] is the
        // default bits 4 with haar rotation, a new config.
        let summary = spec.configs.map { "\($0.bits)\($0.norms.rawValue)\($0.rotation.rawValue)" }
        #expect(summary == ["2f32wht3", "2f16wht3", "4f32wht3", "4f16wht3", "6f32wht3", "4f32haar"])
    }

    @Test("the spec keeps what was written: fixed, grids, exclude")
    func structure() throws {
        let spec = try TestSupport.spec(
            "name: a.b_c-1\nseeds: 1\nfixed: {dim: 32}\ngrid: {bits: [3, 2], scheme: [KV]}\nexclude: [{bits: 2}]\n")
        #expect(spec.name == "a.b_c-1")
        #expect(spec.fixed.map(\.description) == ["dim: 32"])
        #expect(spec.grids.map { $0.axes.map(\.name.rawValue) } == [["bits", "scheme"]])
        #expect(spec.grids[0].axes[0].values.map(\.description) == ["bits: 3", "bits: 2"])
        #expect(spec.exclude.map { $0.map(\.description) } == [["bits: 2"]])
        #expect(spec.configs.map(\.bits) == [3])
    }

    @Test("replacingSeeds keeps the configs and changes the plan fingerprint")
    func replacingSeeds() throws {
        let spec = try SweepSpec.shipped(named: "smoke")
        let more = try spec.replacingSeeds(Array(1...5))
        #expect(more.configs == spec.configs)
        #expect(more.runCount == 30)
        #expect(more.planFingerprint != spec.planFingerprint)
        #expect(throws: SweepSpecError.self) { try spec.replacingSeeds([]) }
        #expect(throws: SweepSpecError.self) { try spec.replacingSeeds([1, 1]) }
        #expect(throws: SweepSpecError.self) { try spec.replacingSeeds([-1]) }
    }

    @Test("load reports files that cannot be read")
    func loadErrors() throws {
        let missing = #expect(throws: SweepSpecError.self) { try SweepSpec.load(path: "/nonexistent/x.yaml") }
        #expect(missing?.kind == .io)
        #expect(missing?.description == "/nonexistent/x.yaml: no such file")
        let directory = #expect(throws: SweepSpecError.self) {
            try SweepSpec.load(path: TestSupport.repositoryRoot.path)
        }
        #expect(directory?.kind == .io)
    }
}
