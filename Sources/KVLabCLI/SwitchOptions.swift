import ArgumentParser
import Quantization

/// Every switch as a command-line option (kebab-case), with the defaults and help of ``SwitchRegistry``.
struct SwitchOptions: ParsableArguments {
    /// The help of a switch's option, from its declaration.
    ///
    /// - Parameters:
    ///   - name: the switch.
    ///   - listsValues: add the allowed values (ArgumentParser lists an enumeration's values itself).
    static func help(_ name: String, listsValues: Bool = true) -> ArgumentHelp {
        let s = SwitchRegistry[name]
        let values = listsValues ? " Values: \(s.values)." : ""
        let applies = s.appliesTo == "all" ? "" : " Only for \(s.appliesTo)."
        return ArgumentHelp("\(s.help)\(values)\(applies)")
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

    @Option(help: SwitchOptions.help("dim"))
    var dim: Int = 128

    @Option(help: SwitchOptions.help("tokens"))
    var tokens: Int = 1024

    @Option(help: SwitchOptions.help("queries"))
    var queries: Int = 64

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

    /// The requested config, validated.
    ///
    /// - Throws: ``CLIError`` (exit 2) naming the option that is out of range.
    func config() throws -> TrialConfig {
        var c = TrialConfig()
        c.scheme = try resolvedScheme()
        c.bits = bits
        c.distribution = distribution
        c.rank = rank
        c.mixing = mixing
        c.noise = noise
        c.outliers = outliers
        c.outlierScale = outlierScale
        c.dim = dim
        c.tokens = tokens
        c.queries = queries
        c.logitScale = logitScale
        c.rotation = rotation
        c.qjl = qjl
        c.codebook = codebook
        c.baseline = baseline
        c.norms = norms
        do {
            try c.validate()
        } catch {
            throw CLIError.badInput("--\(String(error.key.map { $0 == "_" ? "-" : $0 })): \(error.message)")
        }
        return c
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
