import ArgumentParser
import Quantization

/// Every switch of SCIENCE.md as a command-line option (kebab-case), with the documented defaults.
struct SwitchOptions: ParsableArguments {
    @Option(help: "Scheme: KV, KQV, QKQV, or KEY+VALUE with recipes mse, prod, baseline (e.g. mse+mse).")
    var scheme: String = Scheme.KQV.name

    @Option(help: "Recipe of K (mse, prod or baseline); with --value-recipe, instead of --scheme.")
    var keyRecipe: Recipe?

    @Option(help: "Recipe of V (mse, prod or baseline); with --key-recipe, instead of --scheme.")
    var valueRecipe: Recipe?

    @Option(help: "Budget n: code bits per coordinate for K and for V (1…8).")
    var bits: Int = 4

    @Option(help: "Latent factor law: gaussian, t10, t5, t3 or laplace (unit variance).")
    var distribution: Distribution = .gaussian

    @Option(help: "Rank r of the data (1…dim; default: full rank = dim).")
    var rank: Int?

    @Option(help: "Mixing: dense (W i.i.d. N(0,1/r)) or axis (W selects r coordinates).")
    var mixing: Mixing = .dense

    @Option(help: "Noise σ ≥ 0 added to K, V and queries.")
    var noise: Double = 0.1

    @Option(help: "Number of outlier channels of K (≥ 0).")
    var outliers: Int = 0

    @Option(help: "Factor the outlier channels are multiplied by (> 0).")
    var outlierScale: Double = 10

    @Option(help: "Head dimension d: a power of two in 16…4096.")
    var dim: Int = 128

    @Option(help: "Tokens N (≥ 1).")
    var tokens: Int = 1024

    @Option(help: "Queries per trial (≥ 1).")
    var queries: Int = 64

    @Option(help: "Logit scale β > 0: logits = β·⟨q,k⟩/√dim.")
    var logitScale: Double = 1

    @Option(help: "Rotation (KQV, QKQV): wht1, wht2, wht3, haar or none.")
    var rotation: RotationKind = .wht3

    @Option(help: "QJL sketch matrix (KQV, QKQV): gaussian, orthogonal or hadamard.")
    var qjl: QJLKind = .gaussian

    @Option(help: "Codebook law: beta (exact sphere marginal) or gaussian.")
    var codebook: CodebookLaw = .beta

    @Option(help: "KV baseline: kv-beta or kv-uniform.")
    var baseline: Baseline = .kvBeta

    @Option(help: "Precision of stored per-vector floats: f32 or f16.")
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
    /// named for a recipe pair (SCIENCE.md: the shipped scheme of that pair, else `KEY+VALUE`).
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
