import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// Configs, runs, trials and summaries.
struct TrialStoreTests {
    @Test func upsertConfigIsIdempotentAndFillsTypedColumns() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        var requested = TrialConfig()
        requested.scheme = .KV
        requested.distribution = .t5
        let config = requested.resolved
        let hash = try store.upsertConfig(config)
        #expect(try store.upsertConfig(config) == hash)
        #expect(hash == (try config.configHash()))
        let row = try store.read { db in try Row.fetchOne(db, sql: "SELECT * FROM configs")! }
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM configs") } == 1)
        #expect(row["scheme"] as String == "KV")
        #expect(row["distribution"] as String == "t5")
        #expect(row["nu"] as Int == 5)
        #expect(row["rank"] as Int == 128)
        #expect(row["noise"] as Double == 0.1)
        #expect((row["rotation"] as String?) == nil)
        #expect((row["qjl"] as String?) == nil)
        #expect((row["outlier_scale"] as Double?) == nil)
        #expect(row["baseline"] as String == "kv-beta")
        #expect(row["canonical_json"] as String == (try config.canonicalJSON()))
        #expect(try store.config(hash: hash) == config)
        #expect(try store.config(hash: "0000") == nil)
    }

    @Test func sameTrialTwiceIsOneRow() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let hash = try store.upsertConfig(sampleConfig())
        let run = try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 4)
        #expect(try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 4) == run)
        let batch = (0..<3).map { (trial: $0, metrics: sampleMetrics(trial: $0)) }
        #expect(try store.insertTrials(runID: run, batch) == 3)
        #expect(try store.insertTrials(runID: run, batch) == 0)
        #expect(try store.insertTrials(runID: run, [(1, sampleMetrics(trial: 1)), (3, sampleMetrics(trial: 3))]) == 1)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM trials") } == 4)
        let stored = try store.trials(runID: run)
        #expect(stored.map(\.trial) == [0, 1, 2, 3])
        for t in stored { #expect(t.metrics.bitwiseEqual(sampleMetrics(trial: t.trial))) }
    }

    @Test func aDifferentValueForAStoredTrialIsAConflict() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let hash = try store.upsertConfig(sampleConfig())
        let run = try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 2)
        try store.insertTrials(runID: run, [(0, sampleMetrics(trial: 0))])
        var changed = sampleMetrics(trial: 0)
        changed[.jensenRatio] += 1e-12
        #expect(
            throws: StoreError.conflictingTrial(
                runID: run, trial: 0, metric: "jensen_ratio", stored: sampleMetrics(trial: 0)[.jensenRatio],
                new: changed[.jensenRatio])
        ) { try store.insertTrials(runID: run, [(0, changed)]) }
        #expect(throws: StoreError.trialOutOfRange(runID: run, trial: 2, planned: 2)) {
            try store.insertTrials(runID: run, [(2, sampleMetrics(trial: 2))])
        }
        #expect(throws: StoreError.unknownRun(id: 999)) { try store.insertTrials(runID: 999, []) }
        #expect(throws: StoreError.unknownConfig(hash: "nope")) {
            try store.ensureRun(configHash: "nope", seed: 1, trialsPlanned: 1)
        }
    }

    @Test func nonFiniteValuesRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let hash = try store.upsertConfig(sampleConfig())
        let run = try store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 2)
        var metrics = sampleMetrics(trial: 0)
        metrics[.kl] = .nan
        metrics[.jensenRatio] = .infinity
        metrics[.logitBias] = -.infinity
        metrics[.bitsV] = .nan
        metrics[.tv] = -0.0
        try store.insertTrials(runID: run, [(0, metrics), (1, sampleMetrics(trial: 1))])
        #expect(try store.insertTrials(runID: run, [(0, metrics)]) == 0)
        let back = try #require(try store.trials(runID: run).first).metrics
        #expect(back[.kl].isNaN)
        #expect(back[.bitsV].isNaN)
        #expect(back[.jensenRatio] == .infinity)
        #expect(back[.logitBias] == -.infinity)
        #expect(back[.tv] == 0)
        for metric in Metric.allCases where ![.kl, .bitsV, .jensenRatio, .logitBias, .tv].contains(metric) {
            #expect(back[metric].bitPattern == metrics[metric].bitPattern)
        }
        let plain = try plainQueue(dir.path())
        try plain.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT kl, jensen_ratio, logit_bias, nan_mask FROM trials_wide WHERE trial = 0")!
            #expect(row[0] as Double? == nil)
            #expect(row[1] as Double == .infinity)
            #expect(row[2] as Double == -.infinity)
            #expect(row[3] as Int64 == (1 << Int64(Metric.kl.index)) | (1 << Int64(Metric.bitsV.index)))
            let nans = try String.fetchAll(db, sql: "SELECT metric FROM trial_nans ORDER BY metric")
            #expect(nans == ["bits_v", "kl"])
        }
        let summary = try store.markRunDone(runID: run)
        #expect(summary[.kl].n == 1 && summary[.kl].nanCount == 1)
        #expect(summary[.jensenRatio].mean == .infinity && summary[.jensenRatio].sd == nil)
        #expect(try store.summary(runID: run) == summary)
    }

    @Test func markRunDoneWritesSummariesAndTheContentHash() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let hash = try store.upsertConfig(sampleConfig())
        let run = try store.ensureRun(configHash: hash, seed: 3, trialsPlanned: 3)
        try store.insertTrials(runID: run, [(0, sampleMetrics(trial: 0)), (2, sampleMetrics(trial: 2))])
        #expect(throws: StoreError.incompleteRun(runID: run, stored: 2, planned: 3)) {
            try store.markRunDone(runID: run)
        }
        try store.insertTrials(runID: run, [(1, sampleMetrics(trial: 1))])
        let summary = try store.markRunDone(runID: run)
        let values = (0..<3).map { sampleMetrics(trial: $0)[.kl] }
        let mean = values.reduce(0, +) / 3
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
        #expect(summary[.kl].n == 3)
        #expect(summary[.kl].mean == mean)
        #expect(summary[.kl].sd == sd)
        let record = try #require(try store.run(id: run))
        #expect(record.state == .done)
        #expect(record.trialsHash == summary.trialsHash)
        #expect(try store.summary(runID: run) == summary)
        let rows = (0..<3).map { t in (trial: t, values: sampleMetrics(trial: t).values.map { Optional($0) }) }
        #expect(summary.trialsHash == TrialContentHash.hash(rows))
        #expect(TrialContentHash.text(Array(rows.prefix(1))).hasPrefix("0\tkl=0.0\tkl_reverse=1.0\t"))
        let before = fileBytes(dir.path())
        #expect(try store.markRunDone(runID: run) == summary)
        #expect(fileBytes(dir.path()) == before)
        // Raising the planned count reopens the run and drops its summaries.
        #expect(try store.ensureRun(configHash: hash, seed: 3, trialsPlanned: 4) == run)
        #expect(try store.run(id: run)?.state == .pending)
        #expect(try store.summary(runID: run) == nil)
        #expect(try store.trials(runID: run).count == 3)
        #expect(try store.ensureRun(configHash: hash, seed: 3, trialsPlanned: 2) == run)
        #expect(try store.run(id: run)?.trialsPlanned == 4)
    }

    @Test func recordTrialStoresConfigRunAndTrial() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let provenance = try store.recordProvenance(.current(kvlabVersion: "test", command: "kvlab trial"))
        let config = sampleConfig(scheme: .QKQV)
        let first = try store.recordTrial(
            config: config, seed: 5, trial: 0, metrics: sampleMetrics(trial: 0), provenanceID: provenance)
        #expect(first.inserted && first.runDone)
        #expect(first.configHash == (try config.configHash()))
        let again = try store.recordTrial(config: config, seed: 5, trial: 0, metrics: sampleMetrics(trial: 0))
        #expect(!again.inserted && again.runDone && again.runID == first.runID)
        let third = try store.recordTrial(config: config, seed: 5, trial: 2, metrics: sampleMetrics(trial: 2))
        #expect(third.inserted && !third.runDone && third.runID == first.runID)
        let second = try store.recordTrial(config: config, seed: 5, trial: 1, metrics: sampleMetrics(trial: 1))
        #expect(second.runDone)
        try store.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM provenance")!
            #expect(row["kvlab_version"] as String == "test")
            #expect(row["engine_version"] as Int == Engine.version)
            #expect(!(row["host"] as String).isEmpty)
            #expect(
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM trials WHERE provenance_id = ?", arguments: [provenance]) == 1)
        }
    }

    @Test func viewsWorkOnAPlainConnection() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let configs = [sampleConfig(scheme: .KQV), sampleConfig(scheme: .QKQV)]
        for (c, config) in configs.enumerated() {
            for seed in 1...4 {
                for trial in 0..<3 {
                    try store.recordTrial(
                        config: config, seed: seed, trial: trial,
                        metrics: sampleMetrics(trial: trial, offset: Double(seed * seed + 10 * c)))
                }
            }
        }
        // An older engine version of the first config is ignored by the views.
        try store.write { db in
            let hash = try configs[0].configHash()
            let old = try Store.ensureRun(configHash: hash, seed: 1, trialsPlanned: 1, engineVersion: 0, in: db)
            try Store.insertTrials(runID: old, [(0, sampleMetrics(trial: 0, offset: 1000))], in: db)
            try Store.markRunDone(runID: old, in: db)
        }
        try store.close()
        let plain = try plainQueue(dir.path())
        try plain.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM trials_wide") == 24)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM trials_wide WHERE engine_version = 0") == 0)
            let wide = try Row.fetchAll(
                db, sql: "SELECT scheme, count(*), avg(kl) FROM trials_wide GROUP BY scheme, bits, distribution")
            #expect(wide.count == 2)
            let cells = try Row.fetchAll(
                db, sql: "SELECT * FROM cell_stats WHERE metric = 'kl' ORDER BY scheme")
            #expect(cells.count == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM cell_stats") == 2 * Metric.allCases.count)
            let kqv = cells[0]
            #expect(kqv["scheme"] as String == "KQV")
            #expect(kqv["n"] as Int == 4)
            // Each seed contributes the mean of its run's 3 trials.
            let seedMeans = (1...4).map { seed in
                (0..<3).map { sampleMetrics(trial: $0, offset: Double(seed * seed))[.kl] }.reduce(0, +) / 3
            }
            let mean = seedMeans.reduce(0, +) / 4
            let sd = (seedMeans.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
            let t975 = 3.1824463052837078  // scipy.stats.t.ppf(0.975, 3)
            #expect(abs(kqv["mean"] as Double - mean) < 1e-12)
            #expect(abs(kqv["sd"] as Double - sd) < 1e-12)
            #expect(abs(kqv["se"] as Double - sd / 2) < 1e-12)
            #expect(abs(kqv["t975"] as Double - t975) < 1e-12)
            #expect(abs(kqv["ci95_low"] as Double - (mean - t975 * sd / 2)) < 1e-9)
            #expect(abs(kqv["ci95_high"] as Double - (mean + t975 * sd / 2)) < 1e-9)
            #expect(kqv["engine_version"] as Int == Engine.version)
        }
    }
}
