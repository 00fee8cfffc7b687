import Foundation
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore
@testable import Sweeps

/// Model-level spec keys (issue 17): `model`, `text`, `positions` and `layers` resolve through the catalog
/// to hashes and normalised values, with errors that name the key and the known names; and a registered
/// model whose file changed is refused when opened.
@Suite("model-level sweep specs")
struct ModelSpecTests {
    static let modelHash = String(repeating: "cd", count: 32)
    static let textHash = String(repeating: "ef", count: 32)
    static let shortHash = String(repeating: "12", count: 32)

    /// A model `tiny` (2 layers, 2 KV heads, head dim 16), the text `twenty` (20 tokens) and `five` (5).
    static let catalog = DatasetCatalog(
        entries: [],
        models: [
            ModelRecord(
                sha256: modelHash, name: "tiny", path: "/nowhere/tiny.gguf", architecture: "llama", layers: 2,
                kvHeads: 2, queryHeads: 4, headDim: 16, vocab: 300, sizeBytes: 1)
        ],
        texts: [
            TextEntry(name: "twenty", sha256: textHash, tokens: 20),
            TextEntry(name: "five", sha256: shortHash, tokens: 5),
        ])

    static func parse(_ body: String) throws(SweepSpecError) -> SweepSpec {
        try SweepSpec.parse(text: "name: t\nseeds: 2\ntrials: 1\n" + body, source: "t.yaml", datasets: catalog)
    }

    @Test("model and text resolve to their hashes; tokens defaults to the text's length, dim to the head dim")
    func resolvesNames() throws {
        let spec = try Self.parse("fixed: {model: tiny, text: twenty}\ngrid:\n  scheme: [KV, KQV]\n  bits: [4]\n")
        #expect(spec.configs.count == 2)
        for config in spec.configs {
            #expect(config.model == Self.modelHash && config.text == Self.textHash)
            #expect(config.tokens == 20 && config.dim == 16)
            #expect(config.positions == nil && config.layers == nil)
            #expect(config[switch: "queries"] == .null && config[switch: "logit_scale"] == .null)
            #expect(config.source == nil && config.layer == nil && config.head == nil)
            #expect(
                config[switch: "distribution"] == .null && config[switch: "rank"] == .null
                    && config[switch: "noise"] == .null && config[switch: "outliers"] == .null)
            #expect(config.isModelLevel)
        }
        #expect(spec.configs.map(\.scheme.name) == ["KV", "KQV"])
        #expect(spec.runs.count == 4)
        // A shorter prefix is kept as given.
        let short = try Self.parse("fixed: {model: tiny, text: twenty, tokens: 12}\n")
        #expect(short.configs.map(\.tokens) == [12])
    }

    @Test("layers: the full range is stored as nil (all), a subset keeps its normalised spelling")
    func layersNormalised() throws {
        let spec = try Self.parse(
            "fixed: {model: tiny, text: twenty, scheme: KV}\ngrid:\n  layers: [0-1, 1, all, \"0\"]\n")
        // 0-1 and all are one config (every layer); 1 and 0 are their own.
        #expect(spec.configs.map(\.layers) == [nil, "1", "0"])
        #expect(spec.combinationCount == 4)
        // Two spellings of one selection in a grid are one value listed twice.
        #expect(throws: SweepSpecError.self) {
            try Self.parse("fixed: {model: tiny, text: twenty}\ngrid:\n  layers: [0-1, \"1,0\"]\n")
        }
        #expect(try Self.parse("fixed: {model: tiny, text: twenty, layers: 0-1}\n").configs.map(\.layers) == [nil])
        #expect(try Self.parse("fixed: {model: tiny, text: twenty, layers: 1}\n").configs.map(\.layers) == ["1"])
        let keys = spec.configs.map(\.sweepKey)
        #expect(Set(keys).count == 3)
    }

    @Test("positions: T − 1 resolves to nil (every prediction); fewer are kept")
    func positionsResolved() throws {
        let all = try Self.parse("fixed: {model: tiny, text: twenty, positions: 19}\n")
        #expect(all.configs.map(\.positions) == [nil])
        let explicitAll = try Self.parse("fixed: {model: tiny, text: twenty, positions: all}\n")
        #expect(explicitAll.configs == all.configs)
        let some = try Self.parse("fixed: {model: tiny, text: twenty, positions: 4}\n")
        #expect(some.configs.map(\.positions) == [4])
        // With a 10-token prefix, 9 is every prediction.
        let prefix = try Self.parse("fixed: {model: tiny, text: twenty, tokens: 10, positions: 9}\n")
        #expect(prefix.configs.map(\.positions) == [nil])
        let grid = try Self.parse("fixed: {model: tiny, text: twenty}\ngrid:\n  positions: [19, all, 3]\n")
        #expect(grid.configs.map(\.positions) == [nil, 3])
    }

    @Test("an exclusion written as the full layer range or T − 1 positions matches the configs they resolve to")
    func exclusionsMatchResolvedValues() throws {
        let layers = try Self.parse(
            "fixed: {model: tiny, text: twenty}\ngrid:\n  layers: [0-1, 1]\nexclude:\n  - {layers: 0-1}\n")
        #expect(layers.configs.map(\.layers) == ["1"])
        #expect(layers.unmatchedExclusions.isEmpty)
        let positions = try Self.parse(
            "fixed: {model: tiny, text: twenty}\ngrid:\n  positions: [19, 5]\nexclude:\n  - {positions: 19}\n")
        #expect(positions.configs.map(\.positions) == [5])
        #expect(positions.unmatchedExclusions.isEmpty)
        // all matches the same configs.
        let all = try Self.parse(
            "fixed: {model: tiny, text: twenty}\ngrid:\n  layers: [0-1, 1]\nexclude:\n  - {layers: all}\n")
        #expect(all.configs.map(\.layers) == ["1"])
        // A subset matches only itself.
        let subset = try Self.parse(
            "fixed: {model: tiny, text: twenty}\ngrid:\n  layers: [0-1, 1]\nexclude:\n  - {layers: \"1\"}\n")
        #expect(subset.configs.map(\.layers) == [nil])
    }

    @Test(
        "errors name the key and the known names",
        arguments: [
            (
                "fixed: {model: nope, text: twenty}\n", "fixed.model",
                "no model named nope in this database (registered: tiny); `kvlab model add PATH --name NAME`"
            ),
            (
                "fixed: {model: tiny, text: nope}\n", "fixed.text",
                "no text or dataset with token ids named nope (known: five, twenty); `kvlab text add"
            ),
            ("fixed: {model: tiny}\n", "text", "a model-level run needs a text"),
            (
                "fixed: {model: tiny, text: twenty, layer: 0}\n", "fixed.layer",
                "does not apply to model-level runs (every layer's heads are quantized; use layers)"
            ),
            (
                "fixed: {model: tiny, text: twenty, head: 1}\n", "fixed.head",
                "does not apply to model-level runs"
            ),
            (
                "fixed: {model: tiny, text: twenty, source: toy}\n", "fixed.source",
                "does not apply to model-level runs (model is set)"
            ),
            ("fixed: {text: twenty}\n", "fixed.text", "applies only to model-level runs (set model)"),
            ("fixed: {layers: 0}\n", "fixed.layers", "applies only to model-level runs (set model)"),
            ("fixed: {positions: 3}\n", "fixed.positions", "applies only to model-level runs (set model)"),
            (
                "fixed: {model: tiny, text: twenty, layers: 2}\n", "fixed.layers",
                "layer 2 is out of range 0…1 (model tiny has 2)"
            ),
            (
                "fixed: {model: tiny, text: twenty}\ngrid:\n  layers: [0, 0-2]\n", "grid.layers[1]",
                "layer 2 is out of range 0…1"
            ),
            (
                "fixed: {model: tiny, text: twenty, tokens: 21}\n", "fixed.tokens",
                "21 is more than text twenty has (20)"
            ),
            ("fixed: {model: tiny, text: twenty, dim: 32}\n", "fixed.dim", "32 is not the head dim of model tiny (16)"),
            (
                "fixed: {model: tiny, text: twenty, positions: 20}\n", "fixed.positions",
                "20 is out of range 1…19"
            ),
            ("fixed: {model: tiny, text: five, positions: 5}\n", "fixed.positions", "5 is out of range 1…4"),
        ])
    func errors(body: String, keyPath: String, message: String) throws {
        do {
            let spec = try Self.parse(body)
            Issue.record("expected an error for \(body), got \(spec.configs)")
        } catch {
            #expect(error.keyPath == keyPath, "\(error)")
            #expect(error.message.hasPrefix(message), "\(error)")
        }
    }

    @Test("a model name with no catalog lists none as registered")
    func emptyCatalog() {
        do {
            _ = try SweepSpec.parse(text: "name: t\nseeds: 1\nfixed: {model: tiny, text: twenty}\n", source: "t.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.keyPath == "fixed.model")
            #expect(error.message.hasPrefix("no model named tiny in this database (registered: none)"), "\(error)")
        }
    }

    @Test("RegisteredModel.open refuses a file whose SHA-256 changed, and a missing file")
    func registeredModelChanged() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("tiny.gguf")
        var c = TinyLlama.Configuration()
        c.embeddingLength = 64
        c.headCount = 4
        try TinyLlama.write(to: URL(fileURLWithPath: path), c)
        let sha = try FileDigest.sha256(path: path)
        let record = ModelRecord(
            sha256: sha, name: "tiny", path: path, architecture: "llama", layers: 2, kvHeads: 2, queryHeads: 4,
            headDim: 16, vocab: 300, sizeBytes: 0)
        let opened = try RegisteredModel.open(record)
        #expect(opened.record == record)

        c.seed = 1
        try TinyLlama.write(to: URL(fileURLWithPath: path), c)
        let changed = try FileDigest.sha256(path: path)
        #expect(changed != sha)
        #expect(throws: RegisteredModelError.changed(name: "tiny", path: path, registered: sha, found: changed)) {
            try RegisteredModel.open(record)
        }
        let message = RegisteredModelError.changed(name: "tiny", path: path, registered: sha, found: changed)
            .description
        #expect(message.contains("has SHA-256 \(changed), not the registered \(sha)"))
        #expect(message.contains("changed or replaced, so it is not used"))

        try FileManager.default.removeItem(atPath: path)
        #expect(throws: RegisteredModelError.missing(name: "tiny", path: path)) { try RegisteredModel.open(record) }
    }
}
