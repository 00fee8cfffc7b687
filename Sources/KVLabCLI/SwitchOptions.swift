import ArgumentParser
import Quantization
import Sweeps

/// Every switch as a command-line option (kebab-case), with the defaults and help of ``SwitchRegistry``.
struct SwitchOptions: ParsableArguments {
    /// The help of a switch's option, from its declaration.
    ///
    /// - Parameters:
    ///   - name: the switch.
    ///   - listsValues: add the allowed values (ArgumentParser lists an enumeration's values itself).
    ///   - showsDefault: add the declared default (for an optional option whose default depends on the data).
    static func help(_ name: String, listsValues: Bool = true, showsDefault: Bool = false) -> ArgumentHelp {
        let s = SwitchRegistry[name]
        let values = listsValues ? " Values: \(s.values)." : ""
        let applies = s.appliesTo == "all" ? "" : " Only for \(s.appliesTo)."
        let byDefault = showsDefault ? " Default: \(s.defaultValue)." : ""
        return ArgumentHelp("\(s.help)\(values)\(applies)\(byDefault)")
    }

    @Option(help: SwitchOptions.help("scheme"), completion: Completions.schemes)
    var scheme: String = Scheme.KQV.name

    @Option(help: SwitchOptions.help("key_recipe", listsValues: false))
    var keyRecipe: Recipe?

    @Option(help: SwitchOptions.help("value_recipe", listsValues: false))
    var valueRecipe: Recipe?

    @Option(help: SwitchOptions.help("bits"))
    var bits: Int = 4

    @Option(help: SwitchOptions.help("distribution", listsValues: false))
    var distribution: Distribution = .gaussian

    @Option(help: SwitchOptions.help("rank"))
    var rank: Int?

    @Option(help: SwitchOptions.help("mixing", listsValues: false))
    var mixing: Mixing = .dense

    @Option(help: SwitchOptions.help("noise"))
    var noise: Double = 0.1

    @Option(help: SwitchOptions.help("outliers"))
    var outliers: Int = 0

    @Option(help: SwitchOptions.help("outlier_scale"))
    var outlierScale: Double = 10

    @Option(help: SwitchOptions.help("dim", showsDefault: true))
    var dim: Int?

    @Option(help: SwitchOptions.help("tokens", showsDefault: true))
    var tokens: Int?

    @Option(help: SwitchOptions.help("queries", showsDefault: true))
    var queries: Int?

    @Option(help: SwitchOptions.help("logit_scale"))
    var logitScale: Double = 1

    @Option(help: SwitchOptions.help("rotation", listsValues: false))
    var rotation: RotationKind = .wht3

    @Option(help: SwitchOptions.help("qjl", listsValues: false))
    var qjl: QJLKind = .gaussian

    @Option(help: SwitchOptions.help("codebook", listsValues: false))
    var codebook: CodebookLaw = .beta

    @Option(help: SwitchOptions.help("baseline", listsValues: false))
    var baseline: Baseline = .kvBeta

    @Option(help: SwitchOptions.help("norms", listsValues: false))
    var norms: NormPrecision = .f32

    @Option(help: SwitchOptions.help("source"))
    var source: String?

    @Option(help: SwitchOptions.help("layer"))
    var layer: Int?

    @Option(help: SwitchOptions.help("head"))
    var head: Int?

    @Option(help: SwitchOptions.help("model"))
    var model: String?

    @Option(help: SwitchOptions.help("text"))
    var text: String?

    @Option(help: SwitchOptions.help("positions"))
    var positions: Int?

    @Option(help: SwitchOptions.help("layers"))
    var layers: String?

    /// Whether the config reads the database: a dataset (`--source`) or a model-level run (`--model`).
    var needsDatabase: Bool { source != nil || model != nil }

    /// The switches as spec settings: every switch with a default, and the optional ones that were given.
    ///
    /// - Throws: ``CLIError`` (exit 2) for an unknown scheme or an unreadable layer list.
    func settings() throws -> [SwitchSetting] {
        var out: [SwitchSetting] = [
            .scheme(try resolvedScheme()), .bits(bits), .distribution(distribution), .rank(rank), .mixing(mixing),
            .noise(noise), .outliers(outliers), .outlierScale(outlierScale), .logitScale(logitScale),
            .rotation(rotation), .qjl(qjl), .codebook(codebook), .baseline(baseline), .norms(norms),
        ]
        if let dim { out.append(.dim(dim)) }
        if let tokens { out.append(.tokens(tokens)) }
        if let queries { out.append(.queries(queries)) }
        if let source { out.append(.source(source)) }
        if let layer { out.append(.layer(layer)) }
        if let head { out.append(.head(head)) }
        if let model { out.append(.model(model)) }
        if let text { out.append(.text(text)) }
        if let positions { out.append(.positions(positions)) }
        if let layers {
            guard let selection = LayerSelection(parsing: layers) else {
                throw CLIError.badInput("--layers: \(layers) is not a layer list (e.g. 0-9 or 0,4-7)")
            }
            out.append(.layers(selection))
        }
        return out
    }

    /// The requested config, validated; a dataset or model is looked up in `datasets`.
    ///
    /// - Parameter datasets: the database's datasets, models and texts (empty for synthetic data).
    /// - Throws: ``CLIError`` (exit 2) naming the option that is out of range, or asking for `--layer` and
    ///   `--head` when a dataset has more than one.
    func config(datasets: DatasetCatalog = .empty) throws -> TrialConfig {
        let settings = try settings()
        let configs: [TrialConfig]
        do {
            configs = try SweepSpec.configs(settings: settings, datasets: datasets)
        } catch {
            throw CLIError.badInput("--\(String(error.key.map { $0 == "_" ? "-" : $0 })): \(error.message)")
        }
        guard configs.count == 1, let config = configs.first else {
            throw CLIError.badInput(
                "dataset \(source ?? "") has \(configs.count) (layer, KV head) pairs: choose one with --layer and --head"
            )
        }
        return config
    }
}

extension SwitchOptions {
    /// The scheme of `--scheme`, or of `--key-recipe` and `--value-recipe`: a shipped name, or the scheme
    /// named for a recipe pair (docs/science.md: the shipped scheme of that pair, else `KEY+VALUE`).
    ///
    /// - Throws: ``CLIError`` (exit 2) for an unknown scheme or half a recipe pair.
    func resolvedScheme() throws -> Scheme {
        if keyRecipe != nil || valueRecipe != nil {
            guard let keyRecipe, let valueRecipe else {
                throw CLIError.badInput("give both --key-recipe and --value-recipe (recipes: mse, prod, baseline)")
            }
            let pair = Scheme.pair(key: keyRecipe, value: valueRecipe)
            if scheme != Scheme.KQV.name, scheme != pair.name {
                throw CLIError.badInput("--scheme \(scheme) contradicts --key-recipe/--value-recipe (\(pair.name))")
            }
            return pair
        }
        if let shipped = Scheme(rawValue: scheme) { return shipped }
        let parts = scheme.split(separator: "+", omittingEmptySubsequences: false)
        if parts.count == 2, let key = Recipe(rawValue: String(parts[0])),
            let value = Recipe(rawValue: String(parts[1]))
        {
            return Scheme.pair(key: key, value: value)
        }
        throw CLIError.badInput(
            "--scheme \(scheme): not a scheme (KV, KQV, QKQV, or KEY+VALUE with recipes mse, prod, baseline)")
    }
}

extension Recipe: ExpressibleByArgument {}
extension Distribution: ExpressibleByArgument {}
extension Mixing: ExpressibleByArgument {}
extension RotationKind: ExpressibleByArgument {}
extension QJLKind: ExpressibleByArgument {}
extension Baseline: ExpressibleByArgument {}
extension NormPrecision: ExpressibleByArgument {}
