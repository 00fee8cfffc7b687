import ExperimentStore
import Quantization
import Testing

@testable import Sweeps

/// Specs over captured data: a dataset named by `source`, `layer: all` and `head: all` expanded from its
/// manifest, its head dim and token count as defaults, and clear errors (issue "Real KV caches", item 3).
@Suite("dataset sweep specs")
struct DatasetSpecTests {
    static let hash = String(repeating: "ab", count: 32)
    static let catalog = DatasetCatalog(entries: [
        .init(
            name: "toy", contentHash: hash,
            manifest: DatasetManifest(layers: 3, kvHeads: 2, queryHeads: 6, headDim: 48, tokens: 100))
    ])

    static func parse(_ body: String) throws(SweepSpecError) -> SweepSpec {
        try SweepSpec.parse(text: "name: t\nseeds: 2\ntrials: 1\n" + body, source: "t.yaml", datasets: catalog)
    }

    @Test("layer: all and head: all expand to every (layer, KV head); dim, tokens and queries come from the dataset")
    func expandsEveryLayerAndHead() throws {
        let spec = try Self.parse(
            "fixed: {source: toy, rotation: haar}\ngrid:\n  scheme: [KV, KQV]\n  layer: all\n  head: all\n")
        #expect(spec.configs.count == 2 * 3 * 2)
        let cells = Set(spec.configs.map { "\($0.layer!)/\($0.head!)" })
        #expect(cells == ["0/0", "0/1", "1/0", "1/1", "2/0", "2/1"])
        for config in spec.configs {
            #expect(config.source == Self.hash && config.dim == 48 && config.tokens == 100 && config.queries == 64)
            #expect(
                config[switch: "distribution"] == .null && config[switch: "rank"] == .null
                    && config[switch: "noise"] == .null && config[switch: "outliers"] == .null)
        }
        // Layer and head default to all when not given; an explicit list picks some.
        let some = try Self.parse("fixed: {source: toy, rotation: haar, tokens: 40}\ngrid:\n  layer: [2]\n")
        #expect(some.configs.map(\.layer) == [2, 2] && some.configs.map(\.head) == [0, 1])
        #expect(some.configs.allSatisfy { $0.tokens == 40 && $0.queries == 40 })
    }

    @Test("synthetic configs keep their identity: no source, layer or head in the hash text")
    func syntheticUnchanged() throws {
        let spec = try Self.parse("fixed: {dim: 16}\n")
        #expect(spec.configs.count == 1)
        #expect(!spec.configs[0].sweepKey.contains("source") && !spec.configs[0].sweepKey.contains("layer"))
    }

    @Test(
        "errors name the key and say what is allowed",
        arguments: [
            ("fixed: {source: nope}\n", "fixed.source", "no dataset named nope in this database (stored: toy)"),
            ("fixed: {source: toy, rotation: haar}\ngrid:\n  layer: [3]\n", "grid.layer[0]", "3 is out of range 0…2"),
            ("fixed: {source: toy, rotation: haar, head: 2}\n", "fixed.head", "2 is out of range 0…1"),
            ("fixed: {source: toy, rotation: haar, dim: 64}\n", "fixed.dim", "64 is not the head dim of dataset toy"),
            ("fixed: {layer: 1}\n", "fixed.layer", "applies only to captured data"),
            (
                "fixed: {source: toy}\n", "rotation",
                "wht3 needs a power-of-two dim (this dataset's is 48); use haar or none"
            ),
            (
                "fixed: {source: toy, rotation: haar, qjl: hadamard}\n", "fixed.qjl",
                "hadamard needs a power-of-two dim (this dataset's is 48); use gaussian or orthogonal"
            ),
            (
                "fixed: {source: toy, rotation: haar, tokens: 10, queries: 11}\n", "fixed.queries",
                "11 is more than tokens"
            ),
        ])
    func errors(body: String, keyPath: String, message: String) throws {
        do {
            _ = try Self.parse(body)
            Issue.record("expected an error for \(body)")
        } catch {
            #expect(error.keyPath == keyPath, "\(error)")
            #expect(error.message.hasPrefix(message), "\(error)")
        }
    }

    @Test("a spec naming a dataset without a catalog says the dataset is not in the database")
    func noCatalog() {
        #expect(throws: SweepSpecError.self) {
            _ = try SweepSpec.parse(text: "name: t\nfixed: {source: toy}\n", source: "t.yaml")
        }
    }
}
