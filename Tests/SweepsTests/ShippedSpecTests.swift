import Foundation
import Quantization
import Sweeps
import Testing

@testable import ExperimentStore

@Suite("Shipped sweep specs")
struct ShippedSpecTests {
    @Test("the embedded bytes equal the files in sweeps/", arguments: SweepSpec.shippedNames)
    func embeddedMatchesDisk(name: String) throws {
        let disk = try TestSupport.repoFile("sweeps/\(name).yaml")
        let embedded = try #require(SweepSpec.shippedText(named: name))
        #expect(Array(embedded.utf8) == disk)
    }

    @Test("shipped names are exactly the yaml files of sweeps/")
    func namesMatchDirectory() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: TestSupport.repositoryRoot.appendingPathComponent("sweeps").path)
        let names = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(names == SweepSpec.shippedNames.sorted())
    }

    @Test("the shipped specs load from disk like the embedded copies", arguments: SweepSpec.shippedNames)
    func loadFromDisk(name: String) throws {
        let path = TestSupport.repositoryRoot.appendingPathComponent("sweeps/\(name).yaml").path
        let loaded = try SweepSpec.load(path: path, datasets: Self.smollm2)
        let shipped = try SweepSpec.shipped(named: name, datasets: Self.smollm2)
        #expect(loaded.configs == shipped.configs)
        #expect(loaded.fingerprint == shipped.fingerprint)
        #expect(shipped.source == "sweeps/\(name).yaml")
        #expect(loaded.name == name)
    }

    /// A catalog with a dataset shaped like SmolLM2-135M's captured caches, named as `caches` expects, and
    /// the model registered and the dataset's token ids, both named smollm2 as `model` expects.
    static let smollm2 = DatasetCatalog(
        entries: [
            .init(
                name: "smollm2", contentHash: String(repeating: "5a", count: 32),
                manifest: DatasetManifest(layers: 30, kvHeads: 3, queryHeads: 9, headDim: 64, tokens: 1024))
        ],
        models: [
            ModelRecord(
                sha256: smollm2Model, name: "smollm2", path: "/models/SmolLM2-135M-Instruct.Q4_1.gguf",
                architecture: "llama", layers: 30, kvHeads: 3, queryHeads: 9, headDim: 64, vocab: 49152,
                sizeBytes: 1)
        ],
        texts: [TextEntry(name: "smollm2", sha256: smollm2Text, tokens: 1024)])
    static let smollm2Model = String(repeating: "6b", count: 32)
    static let smollm2Text = String(repeating: "7c", count: 32)

    @Test("model: 4 schemes × 5 budgets on the model and text smollm2 (512 tokens, every layer), 3 seeds × 1 trial")
    func model() throws {
        let spec = try SweepSpec.shipped(named: "model", datasets: Self.smollm2)
        #expect(spec.configs.count == 4 * 5 && spec.seeds == [1, 2, 3] && spec.trials == 1 && spec.runCount == 60)
        #expect(Set(spec.configs.map(\.scheme.name)) == ["KV", "KQV", "QKQV", "MSE"])
        #expect(
            spec.configs.allSatisfy {
                $0.model == Self.smollm2Model && $0.text == Self.smollm2Text && $0.tokens == 512 && $0.dim == 64
                    && $0.positions == nil && $0.layers == nil && $0.source == nil && $0[switch: "queries"] == .null
            })
        // Without the model it cannot expand, and says so.
        #expect(throws: SweepSpecError.self) { try SweepSpec.shipped(named: "model") }
    }

    @Test("caches: 3 schemes × 5 budgets × every (layer, KV head) of the dataset, 5 seeds, 2 trials")
    func caches() throws {
        let spec = try SweepSpec.shipped(named: "caches", datasets: Self.smollm2)
        #expect(spec.configs.count == 3 * 5 * 30 * 3 && spec.seeds == [1, 2, 3, 4, 5] && spec.trials == 2)
        #expect(spec.configs.allSatisfy { $0.tokens == 1024 && $0.queries == 64 && $0.dim == 64 })
        // Without the dataset it cannot expand, and says so.
        #expect(throws: SweepSpecError.self) { try SweepSpec.shipped(named: "caches") }
    }

    @Test("paper: 3 schemes × 5 bits × 5 distributions × 3 ranks × 2 mixings, 10 seeds, 8 trials")
    func paper() throws {
        let spec = try SweepSpec.shipped(named: "paper")
        #expect(spec.combinationCount == 450)
        #expect(spec.configs.count == 450)
        #expect(spec.seeds == Array(1...10))
        #expect(spec.trials == 8)
        #expect(spec.runCount == 4500)
        #expect(spec.runs.count == 4500)
        #expect(spec.trialCount == 36_000)
        #expect(Set(spec.configs.map(\.rank)) == [8, 32, 128])
        #expect(Set(spec.configs.map(\.bits)) == [2, 3, 4, 5, 6])
        #expect(spec.configs.allSatisfy { $0.dim == 128 && $0.tokens == 1024 && $0.queries == 64 })
        // Rank 128 at dim 128 is full rank: the same identity as leaving rank unset.
        var full = TrialConfig()
        full.scheme = .KV
        full.bits = 2
        #expect(spec.configs.contains(full.resolved))
        // Order: the first axis written (scheme) varies slowest, the last (mixing) fastest.
        #expect(spec.configs[0].scheme == .KV && spec.configs[0].mixing == .dense)
        #expect(spec.configs[1].scheme == .KV && spec.configs[1].mixing == .axis)
        #expect(spec.configs[2].rank == 32)
        #expect(spec.configs[449].scheme == .QKQV && spec.configs[449].bits == 6)
        // Non-applicable switches are nil.
        #expect(
            spec.configs.filter { $0.scheme == .KV }.allSatisfy {
                $0[switch: "rotation"] == .null && $0[switch: "qjl"] == .null
            })
        #expect(spec.configs.filter { $0.scheme != .KV }.allSatisfy { $0[switch: "baseline"] == .null })
    }

    @Test("sensitivity: one-factor variations around the defaults at bits 2–6")
    func sensitivity() throws {
        let spec = try SweepSpec.shipped(named: "sensitivity")
        #expect(spec.grids.count == 6)
        #expect(spec.seeds.count >= 3)
        // 15 default (scheme, bits) configs + rotation 2×5×4 + qjl 2×5×2 + codebook gaussian 3×5
        // + kv-uniform 5 + f16 norms 15 + logit_scale 2,4 3×5×2.
        #expect(spec.configs.count == 15 + 40 + 20 + 15 + 5 + 15 + 30)
        #expect(spec.configs.count == 140)
        #expect(spec.runCount == 140 * spec.seeds.count)
        // Every config differs from the all-defaults config of its (scheme, bits) in at most one switch
        // (switches that become non-applicable, like codebook for kv-uniform, do not count).
        func varied(_ config: TrialConfig) -> [String] {
            var reference = TrialConfig()
            reference.scheme = config.scheme
            reference.bits = config.bits
            return zip(config.switchValues, reference.resolved.switchValues)
                .filter { $0.value != $1.value && $0.value != .null }.map(\.0.name)
        }
        for config in spec.configs { #expect(varied(config).count <= 1, "\(config)") }
        let variedNames = Set(spec.configs.flatMap(varied))
        #expect(variedNames == ["rotation", "qjl", "codebook", "baseline", "norms", "logit_scale"])
        #expect(Set(spec.configs.compactMap(\.rotation)) == Set(RotationKind.allCases))
        #expect(Set(spec.configs.map(\.logitScale)) == [1, 2, 4])
    }

    @Test("smoke: all schemes, bits 2 and 4, 3 seeds, 2 trials, small trials")
    func smoke() throws {
        let spec = try SweepSpec.shipped(named: "smoke")
        #expect(spec.configs.count == 6)
        #expect(Set(spec.configs.map(\.scheme)) == Set(Scheme.allCases))
        #expect(Set(spec.configs.map(\.bits)) == [2, 4])
        #expect(spec.seeds == [1, 2, 3])
        #expect(spec.trials == 2)
        #expect(spec.runCount == 18)
        #expect(spec.configs.allSatisfy { $0.dim == 32 && $0.tokens == 64 && $0.queries == 8 && $0.rank == 32 })
    }

    @Test("paper-gap: KQV and QKQV at n = 4 on 8 paper cells, each reading one switch away from its default")
    func paperGap() throws {
        let spec = try SweepSpec.shipped(named: "paper-gap")
        #expect(spec.configs.count == 128 && spec.seeds == [1, 2, 3, 4, 5] && spec.trials == 4)
        #expect(spec.configs.allSatisfy { $0.bits == 4 && ["KQV", "QKQV"].contains($0.scheme.name) })
        // A reading: the switches that differ from their defaults (at most one per config).
        var readings: [String: Int] = [:]
        for c in spec.configs {
            var changed: [String] = []
            if c.qjl != .gaussian { changed.append("qjl=\(c.qjl.rawValue)") }
            if c.logitScale != 1 { changed.append("logit_scale=\(c.logitScale)") }
            if c.rotation != .wht3 { changed.append("rotation=\(c.rotation.rawValue)") }
            if c.codebook != .beta { changed.append("codebook=\(c.codebook.rawValue)") }
            if c.norms != .f32 { changed.append("norms=\(c.norms.rawValue)") }
            #expect(changed.count <= 1, "\(changed)")
            readings[changed.first ?? "defaults", default: 0] += 1
        }
        // 8 readings, each on the same 8 cells × 2 schemes: every reading pairs KQV with QKQV on the same cells.
        #expect(
            readings == [
                "defaults": 16, "qjl=orthogonal": 16, "qjl=hadamard": 16, "logit_scale=2.0": 16,
                "logit_scale=4.0": 16, "rotation=haar": 16, "codebook=gaussian": 16, "norms=f16": 16,
            ])
    }

    @Test("an unknown shipped name is an error listing the shipped ones")
    func unknownShipped() {
        #expect(SweepSpec.shippedText(named: "nope") == nil)
        let error = #expect(throws: SweepSpecError.self) { try SweepSpec.shipped(named: "nope") }
        #expect(error?.description.contains("paper, paper-gap, sensitivity, smoke") == true)
    }
}
