import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// Model-level configs, runs keyed by the forward pass's version, and trials that measure the model-level
/// metrics only.
struct ModelLevelRunTests {
    static let modelHash = String(repeating: "ab", count: 32)

    /// A store with a registered model and a model-level config (KQV, n = 4, 16 tokens).
    static func store(_ dir: TemporaryDirectory) throws -> (Store, TrialConfig) {
        let store = try Store(path: dir.path())
        _ = try store.write { db in
            try Store.registerModel(
                ModelRecord(
                    sha256: modelHash, name: "tiny", path: "/nonexistent/tiny.gguf", architecture: "llama", layers: 2,
                    kvHeads: 2, queryHeads: 4, headDim: 16, vocab: 300, sizeBytes: 1),
                in: db)
        }
        var c = TrialConfig()
        c.model = modelHash
        c.text = String(repeating: "cd", count: 32)
        c.tokens = 16
        c.dim = 16
        try c.validate()
        return (store, c.resolved)
    }

    @Test("a model-level config stores NULL queries, logit_scale and generator switches, and keeps its hash")
    func configColumns() throws {
        let dir = try TemporaryDirectory()
        let (store, config) = try Self.store(dir)
        let hash = try store.upsertConfig(config)
        let row = try store.read { db in try Row.fetchOne(db, sql: "SELECT * FROM configs")! }
        #expect(row["model"] as String == Self.modelHash)
        #expect((row["queries"] as Int?) == nil && (row["logit_scale"] as Double?) == nil)
        #expect((row["distribution"] as String?) == nil && (row["source"] as String?) == nil)
        #expect((row["positions"] as Int?) == nil && (row["layers"] as String?) == nil)
        #expect(try store.config(hash: hash) == config)
        // The canonical JSON lists the model-level switches and no attention-level data switch.
        let json = try config.canonicalJSON()
        #expect(json.contains("\"model\":\"\(Self.modelHash)\"") && !json.contains("queries"))
        #expect(!json.contains("logit_scale") && !json.contains("distribution"))
    }

    @Test(
        "positions = T − 1 and no layers resolve to NULL; a layer list is kept; model and source together are refused")
    func resolution() throws {
        var c = TrialConfig()
        c.model = Self.modelHash
        c.text = String(repeating: "cd", count: 32)
        c.tokens = 16
        c.dim = 16
        c.positions = 15
        #expect(c.resolved.positions == nil)
        c.positions = 5
        c.layers = "0-1"
        #expect(c.resolved.positions == 5 && c.resolved.layers == "0-1")
        c.layers = "1-0"
        #expect(throws: ConfigError.self) { try c.validate() }
        c.layers = nil
        c.positions = 16
        #expect(throws: ConfigError.self) { try c.validate() }
        c.positions = nil
        c.source = String(repeating: "ef", count: 32)
        #expect(throws: ConfigError.self) { try c.validate() }
    }

    @Test("runs are keyed by the forward version too; current_runs keeps the newest (engine, forward) version")
    func forwardVersionKey() throws {
        let dir = try TemporaryDirectory()
        let (store, config) = try Self.store(dir)
        let hash = try store.upsertConfig(config)
        let first = try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 1, forwardVersion: 1)
        #expect(try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 1, forwardVersion: 1) == first)
        let second = try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 1, forwardVersion: 2)
        #expect(second != first)
        var values = MetricValues(measuring: .model)
        values[.nextKL] = 0.5
        values[.pplRatio] = 1.25
        values[.bitsK] = 4.5
        try store.insertTrials(runID: first, [(0, values)])
        values[.nextKL] = 0.25
        try store.insertTrials(runID: second, [(0, values)])
        let current = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT id, forward_version FROM current_runs")
        }
        #expect(current.count == 1 && current[0]["id"] as Int64 == second && current[0]["forward_version"] as Int == 2)
        let wide = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT next_kl, kl, nan_mask FROM trials_wide")!
        }
        #expect(wide["next_kl"] as Double == 0.25)
        // An attention metric a model-level trial does not measure is NULL without a NaN bit.
        #expect((wide["kl"] as Double?) == nil && wide["nan_mask"] as Int == 0)
        let stored = try #require(try store.trials(runID: second).first)
        #expect(stored.metrics.measured == Metric.allCases.filter { $0.isMeasured(at: .model) })
        #expect(stored.metrics.bitwiseEqual(values))
    }

    @Test("attention-level trials store the model-level metrics as NULL, and their content hash is unchanged")
    func attentionTrialsDoNotMeasureModelMetrics() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let hash = try store.upsertConfig(sampleConfig())
        let run = try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 1)
        var metrics = MetricValues()
        for metric in Metric.allCases where metric.isMeasured(at: .attention) {
            metrics[metric] = Double(metric.index) + 0.5
        }
        try store.insertTrials(runID: run, [(0, metrics)])
        let row = try store.read { db in
            try Row.fetchOne(db, sql: "SELECT next_kl, ppl_ratio, nll_delta, next_top1_agree, nan_mask FROM trials")!
        }
        #expect((0..<4).allSatisfy { (row[$0] as Double?) == nil } && row["nan_mask"] as Int == 0)
        let values = try store.read { db in try Store.trialValues(runID: run, in: db) }
        // The trial content hash lists only stored values: the text has no model-level metric.
        #expect(!TrialContentHash.text(values).contains("next_kl"))
    }
}
