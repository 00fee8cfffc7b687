/// One switch, declared once: its name, role, allowed values, default, which schemes use it and its help.
///
/// Everything that lists or explains switches derives from ``SwitchRegistry``: the sweep-spec error
/// messages, the `kvlab trial` options' help, the dimensions agg, compare and the report group by, the
/// sweep keys (which switches appear even when null), `kvlab switches` and the switch table of
/// `docs/switches.md` (a test keeps it equal to ``SwitchRegistry/markdownTable()``).
public struct SwitchDeclaration: Sendable, Hashable {
    /// What a switch changes.
    public enum Role: String, Sendable, Hashable {
        /// The scheme itself (its recipes decide which quantizer switches apply).
        case scheme
        /// The data (and the reference attention): configs that differ only in quantizer switches share it.
        case data
        /// How K and V are quantized.
        case quantizer
    }

    /// The name: spec key, config-JSON key, `configs`/`trials_wide` column (snake_case).
    public let name: String
    /// What it changes.
    public let role: Role
    /// The allowed values, in words (also the error messages' "allowed: …").
    public let values: String
    /// The default, as written in a spec.
    public let defaultValue: String
    /// Which configs have it (others store NULL), in words.
    public let appliesTo: String
    /// One line for `--help` and the docs.
    public let help: String
    /// Whether the switch existed in the first stage: such switches appear in every sweep key, also when
    /// null; later ones only where they have a value (so adding a switch changes no existing identity).
    public let stageOne: Bool

    /// The `kvlab trial` option (kebab-case): `outlier_scale` → `outlier-scale`.
    public var optionName: String { String(name.map { $0 == "_" ? "-" : $0 }) }
}

/// Every switch of kvlab, in the order of the docs' table.
public enum SwitchRegistry {
    /// The declarations.
    public static let all: [SwitchDeclaration] = [
        .init(
            name: "scheme", role: .scheme,
            values: "KV, KQV, QKQV, a name declared under schemes:, or KEY+VALUE (recipes mse, prod, baseline)",
            defaultValue: "KQV", appliesTo: "all", help: "The (K recipe, V recipe) pair, by name.", stageOne: true),
        .init(
            name: "bits", role: .quantizer, values: "an integer in 1…8", defaultValue: "4", appliesTo: "all",
            help: "Budget n: code bits per coordinate for K and for V.", stageOne: true),
        .init(
            name: "distribution", role: .data, values: Distribution.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "gaussian", appliesTo: "synthetic data",
            help: "Law of the latent factors (unit variance; t10, t5, t3 are Student-t).", stageOne: true),
        .init(
            name: "rank", role: .data, values: "an integer in 1…dim, or full", defaultValue: "full (= dim)",
            appliesTo: "synthetic data", help: "Rank r of the data.", stageOne: true),
        .init(
            name: "mixing", role: .data, values: Mixing.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "dense", appliesTo: "synthetic data",
            help: "dense: W i.i.d. N(0, 1/r); axis: W selects r coordinates (anisotropic).", stageOne: true),
        .init(
            name: "noise", role: .data, values: "a number ≥ 0", defaultValue: "0.1", appliesTo: "synthetic data",
            help: "σ of the Gaussian noise added to K, V and queries.", stageOne: true),
        .init(
            name: "outliers", role: .data, values: "an integer in 0…dim", defaultValue: "0",
            appliesTo: "synthetic data",
            help: "Number of outlier channels of K.", stageOne: true),
        .init(
            name: "outlier_scale", role: .data, values: "a number > 0", defaultValue: "10",
            appliesTo: "synthetic data with outliers > 0", help: "Factor the outlier channels are multiplied by.",
            stageOne: true),
        .init(
            name: "dim", role: .data,
            values: "a power of two in 16…4096 (captured data: the dataset's head dim, any d ≥ 2)",
            defaultValue: "128 (captured data: the dataset's)", appliesTo: "all", help: "Head dimension d.",
            stageOne: true),
        .init(
            name: "tokens", role: .data, values: "an integer in 1…1048576",
            defaultValue: "1024 (captured data: the dataset's T)", appliesTo: "all",
            help: "Cached tokens N (captured data: the first N positions).", stageOne: true),
        .init(
            name: "queries", role: .data, values: "an integer in 1…65536 (captured data: ≤ tokens)",
            defaultValue: "64 (captured data: at most tokens)", appliesTo: "all",
            help: "Queries per trial, never quantized (captured data: the last Q positions, G query heads each).",
            stageOne: true),
        .init(
            name: "logit_scale", role: .data, values: "a number > 0", defaultValue: "1", appliesTo: "all",
            help: "β: logits = β·⟨q, k⟩/√dim.", stageOne: true),
        .init(
            name: "rotation", role: .quantizer, values: RotationKind.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "wht3", appliesTo: "schemes with an mse or prod side",
            help: "Random rotation before scalar quantization.", stageOne: true),
        .init(
            name: "qjl", role: .quantizer, values: QJLKind.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "gaussian", appliesTo: "schemes with a prod side", help: "QJL sketch matrix S.",
            stageOne: true),
        .init(
            name: "codebook", role: .quantizer, values: CodebookLaw.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "beta", appliesTo: "schemes with an mse or prod side, or a kv-beta baseline side",
            help: "Law the Lloyd–Max codebook is optimised for.", stageOne: true),
        .init(
            name: "baseline", role: .quantizer, values: Baseline.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "kv-beta", appliesTo: "schemes with a baseline side",
            help: "Per-coordinate baseline quantizer.", stageOne: true),
        .init(
            name: "norms", role: .quantizer, values: NormPrecision.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "f32", appliesTo: "all", help: "Precision of every stored per-vector float.",
            stageOne: true),
        .init(
            name: "key_recipe", role: .scheme, values: Recipe.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "from the scheme", appliesTo: "all",
            help: "Recipe of K; in the config hash only for schemes that are not shipped.", stageOne: false),
        .init(
            name: "value_recipe", role: .scheme, values: Recipe.allCases.map(\.rawValue).joined(separator: ", "),
            defaultValue: "from the scheme", appliesTo: "all",
            help: "Recipe of V; in the config hash only for schemes that are not shipped.", stageOne: false),
        .init(
            name: "source", role: .data, values: "the name of a dataset in the database (stored as its content hash)",
            defaultValue: "none (synthetic data)", appliesTo: "all",
            help: "Captured data: a stored dataset of a real model's caches (the column dataset holds its name).",
            stageOne: false),
        .init(
            name: "layer", role: .data, values: "an integer in 0…layers−1, or all (grid only)",
            defaultValue: "all", appliesTo: "captured data", help: "The dataset's layer.", stageOne: false),
        .init(
            name: "head", role: .data, values: "an integer in 0…kv_heads−1, or all (grid only)",
            defaultValue: "all", appliesTo: "captured data",
            help: "The dataset's KV head (its G query heads give the queries).", stageOne: false),
        .init(
            name: "model", role: .data,
            values: "the name of a model registered with kvlab model add (stored as its SHA-256)",
            defaultValue: "none (attention level)", appliesTo: "model-level runs",
            help:
                "Model level: run this model with every layer reading quantized caches (the column model_name holds its name).",
            stageOne: false),
        .init(
            name: "text", role: .data,
            values:
                "the name of a text stored with kvlab text add, or of a dataset with token ids (stored as the ids' SHA-256)",
            defaultValue: "none", appliesTo: "model-level runs",
            help: "The token sequence the model reads (the column text_name holds its name).", stageOne: false),
        .init(
            name: "positions", role: .data, values: "an integer in 1…tokens−1", defaultValue: "all (tokens − 1)",
            appliesTo: "model-level runs", help: "Compare the last P next-token predictions.", stageOne: false),
        .init(
            name: "layers", role: .data, values: "a layer list such as 0-9 or 0,4-7", defaultValue: "all",
            appliesTo: "model-level runs",
            help: "The layers whose attention reads quantized caches (the others stay exact).",
            stageOne: false),
    ]

    /// The declaration of a switch.
    ///
    /// - Precondition: `name` is declared (a programming error otherwise).
    public static subscript(_ name: String) -> SwitchDeclaration {
        guard let declaration = all.first(where: { $0.name == name }) else {
            preconditionFailure("switch \(name) is not declared in SwitchRegistry")
        }
        return declaration
    }

    /// The switches a sweep spec sets under `fixed`, `grid` and `exclude` (the recipes are set through
    /// `scheme`).
    public static var specSwitches: [SwitchDeclaration] {
        all.filter { $0.name != "key_recipe" && $0.name != "value_recipe" }
    }

    /// The columns agg and the report may group by: every switch, plus the derived `nu`.
    public static var groupingDimensions: [String] { all.map(\.name) + ["nu", "dataset", "model_name", "text_name"] }

    /// The switches of the first stage, which every sweep key lists.
    public static let stageOneNames: Set<String> = Set(all.filter(\.stageOne).map(\.name))

    /// The switch table of the docs, in Markdown.
    public static func markdownTable() -> String {
        var out = "| switch | role | values | default | applies to | meaning |\n|---|---|---|---|---|---|\n"
        for s in all {
            out +=
                "| `\(s.name)` | \(s.role.rawValue) | \(s.values) | \(s.defaultValue) | \(s.appliesTo) | \(s.help) |\n"
        }
        return out
    }
}
