import Quantization

extension SweepSpec {
    /// The result of expanding grids into configs.
    typealias Expansion = (configs: [TrialConfig], combinations: Int, excluded: Int, matches: [Int])

    /// Expands grids × fixed into validated, de-duplicated resolved configs (order: see ``SweepSpec``).
    ///
    /// - Parameters:
    ///   - source: the spec's file, for errors.
    ///   - fixed: the fixed settings.
    ///   - fixedLocations: where each fixed switch was written.
    ///   - grids: the grids (empty: one config from `fixed`).
    ///   - exclude: the exclusion entries.
    /// - Returns: the configs, the number of combinations, how many were excluded, and per exclusion entry
    ///   how many combinations it matched.
    /// - Throws: ``SweepSpecError`` for too many combinations, or the first combination that fails
    ///   `TrialConfig.validate()`, located at the grid value (or fixed entry) that set the offending switch.
    /// - Complexity: O(combinations × (switches + exclusion settings)).
    static func expand(
        source: String, fixed: [SwitchSetting], fixedLocations: [SwitchName: SourceLocation], grids: [SweepGrid],
        exclude: [[SwitchSetting]], datasets: DatasetCatalog
    ) throws(SweepSpecError) -> Expansion {
        let grids = grids.isEmpty ? [SweepGrid(axes: [], keyPath: "")] : grids
        var total = 0
        for grid in grids {
            let (sum, overflow) = total.addingReportingOverflow(grid.combinationCount ?? Int.max)
            total = overflow ? Int.max : sum
        }
        guard total <= maxCombinations else {
            let path = grids.count == 1 ? grids[0].keyPath : "grids"
            let count = total == Int.max ? "more than \(Int.max)" : "\(total)"
            throw SweepSpecError(
                kind: .invalid, source: source, keyPath: path,
                message: "expands to \(count) combinations (at most \(maxCombinations) are allowed)")
        }

        var base = TrialConfig()
        do {
            for setting in fixed { try setting.apply(to: &base) }
        } catch {
            throw locate(
                error, source: source, grid: SweepGrid(axes: [], keyPath: ""), index: [], fixed: fixedLocations)
        }
        var configs: [TrialConfig] = []
        var seen: Set<TrialConfig> = []
        var matches = Array(repeating: 0, count: exclude.count)
        var excluded = 0
        for grid in grids {
            let set = Set(fixed.map(\.name)).union(grid.axes.map(\.name))
            var index = Array(repeating: 0, count: grid.axes.count)
            repeat {
                var config = base
                let expanded: [TrialConfig]
                do {
                    for (k, axis) in grid.axes.enumerated() { try axis.values[index[k]].apply(to: &config) }
                    expanded = try captured(config, explicitlySet: set, datasets: datasets)
                } catch {
                    throw locate(error, source: source, grid: grid, index: index, fixed: fixedLocations)
                }
                for config in expanded {
                    let resolved = config.resolved
                    var isExcluded = false
                    for (e, entry) in exclude.enumerated()
                    where entry.allSatisfy({ $0.matches(resolved, datasets: datasets) }) {
                        matches[e] += 1
                        isExcluded = true
                    }
                    if isExcluded {
                        excluded += 1
                    } else {
                        do {
                            try config.validate()
                        } catch {
                            throw locate(error, source: source, grid: grid, index: index, fixed: fixedLocations)
                        }
                        if seen.insert(resolved).inserted { configs.append(resolved) }
                    }
                }
            } while advance(&index, grid: grid)
        }
        return (configs, total, excluded, matches)
    }

    /// The configs of one set of switch settings outside a spec (`kvlab trial`): the settings applied to the
    /// defaults, and the dataset or model-level switches resolved against the database's datasets, models and
    /// texts as a spec's combination is (a dataset without `layer` and `head` gives one config per layer and
    /// KV head). Each config is validated.
    ///
    /// - Parameters:
    ///   - settings: the switches set (each at most once); `dim`, `tokens` and `queries` count as set only
    ///     when they are in `settings`, so a dataset or text gives their defaults.
    ///   - datasets: the database's datasets, models and texts.
    /// - Throws: ``ConfigError`` naming the offending switch.
    public static func configs(
        settings: [SwitchSetting], datasets: DatasetCatalog
    ) throws(ConfigError) -> [TrialConfig] {
        var config = TrialConfig()
        for setting in settings { try setting.apply(to: &config) }
        let configs = try captured(config, explicitlySet: Set(settings.map(\.name)), datasets: datasets)
        for config in configs { try config.validate() }
        return configs
    }

    /// The configs of one combination: itself for synthetic data; for a dataset (`source` holding its name),
    /// one config per requested (layer, KV head) (all of them where `layer` or `head` is unset), with the
    /// dataset's hash as `source`, its head dim as `dim`, and its token count as `tokens` and at most 64
    /// `queries` unless the spec sets them.
    ///
    /// - Throws: ``ConfigError`` for an unknown dataset, a layer or head it does not have, a `dim` that is
    ///   not its head dim, or a layer or head without a dataset.
    private static func captured(
        _ config: TrialConfig, explicitlySet: Set<SwitchName>, datasets: DatasetCatalog
    ) throws(ConfigError) -> [TrialConfig] {
        if config.model != nil {
            guard config.source == nil else {
                throw ConfigError(key: "source", message: "does not apply to model-level runs (model is set)")
            }
            return [try modelLevel(config, explicitlySet: explicitlySet, datasets: datasets)]
        }
        if config.text != nil || config.layers != nil || explicitlySet.contains(.positions) {
            let key = config.text != nil ? "text" : config.layers != nil ? "layers" : "positions"
            throw ConfigError(key: key, message: "applies only to model-level runs (set model)")
        }
        guard let name = config.source else {
            if explicitlySet.contains(.layer) || explicitlySet.contains(.head) {
                throw ConfigError(
                    key: explicitlySet.contains(.layer) ? "layer" : "head",
                    message: "applies only to captured data (set source to a dataset)")
            }
            return [config]
        }
        guard let entry = datasets[name] else {
            let known = datasets.names.isEmpty ? "none" : datasets.names.joined(separator: ", ")
            throw ConfigError(
                key: "source",
                message: "no dataset named \(name) in this database (stored: \(known)); `kvlab capture` or "
                    + "`kvlab dataset import` adds one, or --datasets-from PATH names a database that holds it")
        }
        let m = entry.manifest
        var base = config
        base.source = entry.contentHash
        if explicitlySet.contains(.dim), config.dim != m.headDim {
            throw ConfigError(
                key: "dim", message: "\(config.dim) is not the head dim of dataset \(name) (\(m.headDim))")
        }
        base.dim = m.headDim
        if !explicitlySet.contains(.tokens) { base.tokens = m.tokens }
        guard base.tokens <= m.tokens else {
            throw ConfigError(key: "tokens", message: "\(base.tokens) is more than dataset \(name) has (\(m.tokens))")
        }
        if !explicitlySet.contains(.queries) { base.queries = min(64, base.tokens) }
        if let layer = config.layer, layer >= m.layers {
            throw ConfigError(
                key: "layer",
                message: "\(layer) is out of range 0…\(m.layers - 1) (dataset \(name) has \(m.layers) layers)")
        }
        if let head = config.head, head >= m.kvHeads {
            throw ConfigError(
                key: "head",
                message: "\(head) is out of range 0…\(m.kvHeads - 1) (dataset \(name) has \(m.kvHeads) KV heads)")
        }
        var out: [TrialConfig] = []
        for layer in config.layer.map({ [$0] }) ?? Array(0..<m.layers) {
            for head in config.head.map({ [$0] }) ?? Array(0..<m.kvHeads) {
                var c = base
                c.layer = layer
                c.head = head
                out.append(c)
            }
        }
        return out
    }

    /// The config of a model-level combination (`model` and `text` holding names): the registered model's
    /// SHA-256 as `model` and its head dim as `dim`, the text's token-ids SHA-256 as `text` and its length as `tokens` unless the spec sets a
    /// shorter prefix, and the layer selection normalised (every layer: nil).
    ///
    /// - Throws: ``ConfigError`` for an unknown model or text, a missing text, dataset switches, a `dim`
    ///   that is not the model's head dim, more tokens than the text has, or a layer the model lacks.
    private static func modelLevel(
        _ config: TrialConfig, explicitlySet: Set<SwitchName>, datasets: DatasetCatalog
    ) throws(ConfigError) -> TrialConfig {
        func known(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
        guard let modelName = config.model, let model = datasets.model(named: modelName) else {
            throw ConfigError(
                key: "model",
                message: "no model named \(config.model ?? "") in this database (registered: "
                    + "\(known(datasets.modelNames))); `kvlab model add PATH --name NAME` registers one, or "
                    + "--datasets-from PATH names a database that holds it")
        }
        guard let textName = config.text else {
            throw ConfigError(key: "text", message: "a model-level run needs a text (a stored text or a dataset name)")
        }
        guard let text = datasets.text(named: textName) else {
            throw ConfigError(
                key: "text",
                message: "no text or dataset with token ids named \(textName) (known: \(known(datasets.textNames))); "
                    + "`kvlab text add FILE --name NAME --model M` stores one")
        }
        if explicitlySet.contains(.layer) || explicitlySet.contains(.head) {
            throw ConfigError(
                key: explicitlySet.contains(.layer) ? "layer" : "head",
                message: "does not apply to model-level runs (every layer's heads are quantized; use layers)")
        }
        var c = config
        c.model = model.sha256
        c.text = text.sha256
        if explicitlySet.contains(.dim), config.dim != model.headDim {
            throw ConfigError(
                key: "dim", message: "\(config.dim) is not the head dim of model \(modelName) (\(model.headDim))")
        }
        c.dim = model.headDim
        if !explicitlySet.contains(.tokens) { c.tokens = text.tokens }
        guard c.tokens <= text.tokens else {
            throw ConfigError(key: "tokens", message: "\(c.tokens) is more than text \(textName) has (\(text.tokens))")
        }
        if let text = config.layers, let layers = LayerSelection(parsing: text) {
            if let bad = layers.layers.first(where: { $0 >= model.layers }) {
                throw ConfigError(
                    key: "layers",
                    message:
                        "layer \(bad) is out of range 0…\(model.layers - 1) (model \(modelName) has \(model.layers))")
            }
            c.layers = layers.isAll(of: model.layers) ? nil : layers.description
        }
        return c
    }

    /// Steps an odometer over a grid's axes, the last axis fastest.
    ///
    /// - Returns: false after the last combination.
    private static func advance(_ index: inout [Int], grid: SweepGrid) -> Bool {
        var k = index.count - 1
        while k >= 0 {
            index[k] += 1
            if index[k] < grid.axes[k].values.count { return true }
            index[k] = 0
            k -= 1
        }
        return false
    }

    /// Turns a config validation error into a spec error at the grid value or fixed entry that set the
    /// offending switch; for `rank` and `outliers` (bounded by dim) it also says where dim came from.
    private static func locate(
        _ error: ConfigError, source: String, grid: SweepGrid, index: [Int], fixed: [SwitchName: SourceLocation]
    ) -> SweepSpecError {
        func origin(_ name: SwitchName) -> (path: String, location: SourceLocation?)? {
            if let k = grid.axes.firstIndex(where: { $0.name == name }) {
                return ("\(grid.keyPath).\(name.rawValue)[\(index[k])]", grid.axes[k].locations[index[k]])
            }
            if fixed.keys.contains(name) { return ("fixed.\(name.rawValue)", fixed[name]) }
            return nil
        }
        let name = SwitchName(rawValue: error.key)
        var message = error.message
        if name == .rank || name == .outliers, let dim = origin(.dim) {
            message += " (dim from \(dim.path))"
        }
        guard let name, let place = origin(name) else {
            return SweepSpecError(
                kind: .invalid, source: source, keyPath: error.key, message: message + " (default value)")
        }
        return SweepSpecError(
            kind: .invalid, source: source, keyPath: place.path, message: message, line: place.location?.line,
            column: place.location?.column)
    }
}
