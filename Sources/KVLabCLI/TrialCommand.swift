import ArgumentParser
import ExperimentStore
import Foundation
import Models
import Quantization
import Sweeps

/// `kvlab trial`: compute (and print) the metrics of one trial.
struct TrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Compute every metric of one trial of one config.",
        discussion: """
            Every switch of docs/science.md is an option with its documented default. The same (config, seed, \
            trial) always gives bit-identical numbers. A trial on captured data names a dataset of the database \
            (--source NAME --layer L --head H); a model-level trial names a registered model and a text (--model \
            NAME --text NAME).
            Example: kvlab trial --scheme QKQV --bits 4 --format json
            Example: kvlab trial --source smollm2 --layer 3 --head 1 --scheme KV --bits 3
            Example: kvlab trial --model smollm2 --text lighthouses --tokens 128 --scheme KQV

            """ + SwitchOptions.help
    )

    @OptionGroup var switches: SwitchOptions

    @Option(help: "Seed of the run (≥ 0).")
    var seed: Int = 1

    @Option(help: "Trial index (≥ 0).")
    var trial: Int = 0

    @Option(help: "Output format: table or json.")
    var format: CodebookFormat = .table

    @Flag(help: "Also store the trial in the database (--db), as run (config, seed) with trials 0…trial.")
    var record = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            guard seed >= 0 else { throw CLIError.badInput("--seed: \(seed) must be ≥ 0") }
            guard trial >= 0 else { throw CLIError.badInput("--trial: \(trial) must be ≥ 0") }
            // Synthetic data need no database (unless the trial is recorded); a dataset or model is read from it.
            let store =
                try record || switches.needsDatabase() ? try database.open(record ? .readWrite : .readOnly) : nil
            let config = try switches.config(datasets: try store.map { try DatasetCatalog(store: $0) } ?? .empty)
            if let limit = SystemMemory.limit() { try SweepPlanner.checkMemory([config.resolved], limit: limit) }
            let metrics = try TrialCommand.metrics(config, seed: seed, trial: trial, store: store)
            if record, let store {
                let provenance = try store.recordProvenance(
                    Provenance.current(kvlabVersion: VersionInfo.kvlab, command: "kvlab trial --record"))
                let stored = try store.recordTrial(
                    config: config.resolved, seed: seed, trial: trial, metrics: metrics, provenanceID: provenance,
                    forwardVersion: config.resolved.isModelLevel ? Models.forwardVersion : 0)
                Console.note(
                    "kvlab: \(stored.inserted ? "stored" : "already stored:") trial \(trial) of run \(stored.runID) "
                        + "in \(store.path)")
            }
            print(
                TrialCommand.render(
                    config: config.resolved, configHash: try config.resolved.configHash(), seed: seed, trial: trial,
                    metrics: metrics,
                    format: format))
        }
    }

    /// One trial's metrics, computed as a sweep computes them: synthetic data by the engine alone, a dataset's
    /// (layer, head) from its stored tensors, a model-level config by the model-level evaluator.
    static func metrics(_ config: TrialConfig, seed: Int, trial: Int, store: Store?) throws -> MetricValues {
        let engine = TrialEngine()
        guard let store, config.source != nil || config.model != nil else {
            return engine.run(config, seed: seed, trial: trial)
        }
        if config.model != nil {
            let threads = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
            return try ModelLevelEvaluator(store: store, engine: engine, exactThreads: threads)
                .metrics(config.resolved, seed: seed, trial: trial)
        }
        let prepared = try StoreDataSources(store: store, capacity: 1).source(for: config.dataKey)
            .prepared(key: config.dataKey, seed: seed, trial: trial)
        return engine.evaluate(config, on: prepared)
    }

    /// The trial output: JSON `{"config":{…},"config_hash","seed","trial","metrics":{…}}` or a table.
    static func render(
        config: TrialConfig, configHash: String?, seed: Int, trial: Int, metrics: MetricValues,
        format: CodebookFormat
    ) -> String {
        switch format {
        case .json:
            let configObject: [(String, JSONValue)] = config.displayValues.map { ($0.name, JSONValue($0.value)) }
            let metricObject: [(String, JSONValue)] = metrics.measured.map { ($0.rawValue, .double(metrics[$0])) }
            var pairs: [(String, JSONValue)] = [("config", .object(configObject))]
            if let configHash { pairs.append(("config_hash", .string(configHash))) }
            pairs += [("seed", .int(seed)), ("trial", .int(trial)), ("metrics", .object(metricObject))]
            return JSONValue.object(pairs).rendered(pretty: true)
        case .table:
            var lines = configHash.map { ["config_hash\t\($0)"] } ?? []
            lines += ["seed\t\(seed)", "trial\t\(trial)"]
            for (name, value) in config.displayValues { lines.append("\(name)\t\(JSONValue(value).rendered())") }
            for metric in metrics.measured { lines.append("\(metric.rawValue)\t\(metrics[metric])") }
            return lines.joined(separator: "\n")
        }
    }
}

extension JSONValue {
    /// A switch value as JSON.
    init(_ value: SwitchValue) {
        switch value {
        case .null: self = .null
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        }
    }
}
