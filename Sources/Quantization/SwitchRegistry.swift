/// One switch, declared once: its name, role, kind of value, default, which configs use it, its help, and how
/// it is read from and written to a ``TrialConfig``.
///
/// Everything that lists, parses, resolves or explains switches derives from ``SwitchRegistry``: spec
/// parsing and its errors, the `kvlab trial` options, resolution (a switch that does not apply is null),
/// the config's identity (canonical JSON and `config_hash`) and its rebuilding from JSON, the sweep keys
/// (which switches appear even when null), the dimensions agg, compare and the report group by,
/// `kvlab switches` and the switch table of `docs/switches.md` (a test keeps it equal to
/// ``SwitchRegistry/markdownTable()``). A new switch is one declaration here, one field of ``TrialConfig``,
/// the engine code that reads it and a migration for its column.
public struct SwitchDeclaration: Sendable {
    /// What a switch changes.
    public enum Role: String, Sendable, Hashable {
        /// The scheme itself (its recipes decide which quantizer switches apply).
        case scheme
        /// The data (and the reference attention): configs that differ only in quantizer switches share it.
        case data
        /// How K and V are quantized.
        case quantizer
    }

    /// How a value is written in a spec or on the command line, and its JSON type.
    public enum Kind: Sendable, Hashable {
        /// A scheme name (shipped, declared in the spec, or `KEY+VALUE`).
        case scheme
        /// A recipe (`key_recipe`, `value_recipe`).
        case recipe
        /// An integer, at least `minimum` when given (ranges are checked by ``TrialConfig/validate()``).
        case integer(minimum: Int?)
        /// A number (integers are accepted).
        case number
        /// One of a fixed list of words.
        case choice([String])
        /// The name of something stored in the database (a dataset, a model, a text), stored as its hash.
        case reference(String)
        /// A layer list such as `0-9` or `0,4-7`, normalised.
        case layerList
    }

    /// The name: spec key, config-JSON key, `configs`/`trials_wide` column (snake_case).
    public let name: String
    /// What it changes.
    public let role: Role
    /// How its values are written.
    public let kind: Kind
    /// The word a spec or option writes for "unset" (`full` for rank, `all` for a layer or head), if any.
    public let unsetWord: String?
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
    /// The switch's value in a config, as its identity holds it (``SwitchValue/null`` when unset).
    let read: @Sendable (TrialConfig) -> SwitchValue
    /// Sets the switch from a value of its kind (``SwitchValue/null``: unset, or the default).
    let write: @Sendable (inout TrialConfig, SwitchValue) throws(ConfigError) -> Void
    /// Whether the switch applies to a config.
    let appliesWhen: @Sendable (TrialConfig) -> Bool

    /// The `kvlab trial` option (kebab-case): `outlier_scale` → `outlier-scale`.
    public var optionName: String { String(name.map { $0 == "_" ? "-" : $0 }) }

    /// The switch's value in a config: null where it does not apply (``TrialConfig/columnValues``).
    public func value(in config: TrialConfig) -> SwitchValue { appliesWhen(config) ? read(config) : .null }

    /// Whether the switch applies to a config (a switch that does not is null in its row).
    public func applies(to config: TrialConfig) -> Bool { appliesWhen(config) }

    /// Sets the switch in a config.
    ///
    /// - Parameters:
    ///   - value: a value of the switch's kind; ``SwitchValue/null`` unsets it (or sets its default).
    ///   - config: the config to change.
    /// - Throws: ``ConfigError`` for a value of the wrong type or not among the allowed words.
    public func set(_ value: SwitchValue, in config: inout TrialConfig) throws(ConfigError) {
        try write(&config, value)
    }
}

/// Every switch of kvlab, in the order of the docs' table.
public enum SwitchRegistry {
    /// The declarations.
    public static let all: [SwitchDeclaration] = [
        .scheme(),
        .integer(
            "bits", \.bits, role: .quantizer, values: "an integer in 1…8", defaultValue: "4", appliesTo: "all",
            help: "Budget n: code bits per coordinate for K and for V.", stageOne: true),
        .choice(
            "distribution", \.distribution, role: .data, defaultValue: "gaussian", appliesTo: "synthetic data",
            when: { $0.isSynthetic }, help: "Law of the latent factors (unit variance; t10, t5, t3 are Student-t).",
            stageOne: true),
        .optionalInteger(
            "rank", \.rank, minimum: nil, unsetWord: "full", read: { .int($0.effectiveRank) }, role: .data,
            values: "an integer in 1…dim, or full", defaultValue: "full (= dim)", appliesTo: "synthetic data",
            when: { $0.isSynthetic }, help: "Rank r of the data.", stageOne: true),
        .choice(
            "mixing", \.mixing, role: .data, defaultValue: "dense", appliesTo: "synthetic data",
            when: { $0.isSynthetic },
            help: "dense: W i.i.d. N(0, 1/r); axis: W selects r coordinates (anisotropic).", stageOne: true),
        .number(
            "noise", \.noise, role: .data, values: "a number ≥ 0", defaultValue: "0.1", appliesTo: "synthetic data",
            when: { $0.isSynthetic }, help: "σ of the Gaussian noise added to K, V and queries.", stageOne: true),
        .integer(
            "outliers", \.outliers, role: .data, values: "an integer in 0…dim", defaultValue: "0",
            appliesTo: "synthetic data", when: { $0.isSynthetic }, help: "Number of outlier channels of K.",
            stageOne: true),
        .number(
            "outlier_scale", \.outlierScale, role: .data, values: "a number > 0", defaultValue: "10",
            appliesTo: "synthetic data with outliers > 0", when: { $0.isSynthetic && $0.outliers > 0 },
            help: "Factor the outlier channels are multiplied by.", stageOne: true),
        .integer(
            "dim", \.dim, role: .data,
            values: "a power of two in 16…4096 (captured data: the dataset's head dim, any d ≥ 2)",
            defaultValue: "128 (captured data: the dataset's)", appliesTo: "all", help: "Head dimension d.",
            stageOne: true),
        .integer(
            "tokens", \.tokens, role: .data, values: "an integer in 1…1048576",
            defaultValue: "1024 (captured data: the dataset's T)", appliesTo: "all",
            help: "Cached tokens N (captured data: the first N positions).", stageOne: true),
        .integer(
            "queries", \.queries, role: .data, values: "an integer in 1…65536 (captured data: ≤ tokens)",
            defaultValue: "64 (captured data: at most tokens)", appliesTo: "all", when: { !$0.isModelLevel },
            help: "Queries per trial, never quantized (captured data: the last Q positions, G query heads each).",
            stageOne: true),
        .number(
            "logit_scale", \.logitScale, role: .data, values: "a number > 0", defaultValue: "1", appliesTo: "all",
            when: { !$0.isModelLevel }, help: "β: logits = β·⟨q, k⟩/√dim.", stageOne: true),
        .choice(
            "rotation", \.rotation, role: .quantizer, defaultValue: "wht3",
            appliesTo: "schemes with an mse or prod side",
            when: { $0.scheme.usesRotation }, help: "Random rotation before scalar quantization.", stageOne: true),
        .choice(
            "qjl", \.qjl, role: .quantizer, defaultValue: "gaussian", appliesTo: "schemes with a prod side",
            when: { $0.scheme.usesSketch }, help: "QJL sketch matrix S.", stageOne: true),
        .choice(
            "codebook", \.codebook, role: .quantizer, defaultValue: "beta",
            appliesTo: "schemes with an mse or prod side, or a kv-beta baseline side",
            when: { $0.scheme.usesRotation || $0.baseline != .kvUniform },
            help: "Law the Lloyd–Max codebook is optimised for.", stageOne: true),
        .choice(
            "baseline", \.baseline, role: .quantizer, defaultValue: "kv-beta",
            appliesTo: "schemes with a baseline side",
            when: { $0.scheme.usesBaseline }, help: "Per-coordinate baseline quantizer.", stageOne: true),
        .choice(
            "norms", \.norms, role: .quantizer, defaultValue: "f32", appliesTo: "all",
            help: "Precision of every stored per-vector float.", stageOne: true),
        .recipe(
            "key_recipe", side: \.key, help: "Recipe of K; in the config hash only for schemes that are not shipped."),
        .recipe(
            "value_recipe", side: \.value,
            help: "Recipe of V; in the config hash only for schemes that are not shipped."),
        .reference(
            "source", \.source, role: .data,
            values: "the name of a dataset in the database (stored as its content hash)",
            defaultValue: "none (synthetic data)", appliesTo: "all", when: { !$0.isModelLevel },
            help: "Captured data: a stored dataset of a real model's caches (the column dataset holds its name)."),
        .optionalInteger(
            "layer", \.layer, minimum: 0, unsetWord: "all", role: .data,
            values: "an integer in 0…layers−1, or all (grid only)", defaultValue: "all", appliesTo: "captured data",
            when: { $0.isCaptured }, help: "The dataset's layer.", stageOne: false),
        .optionalInteger(
            "head", \.head, minimum: 0, unsetWord: "all", role: .data,
            values: "an integer in 0…kv_heads−1, or all (grid only)", defaultValue: "all", appliesTo: "captured data",
            when: { $0.isCaptured }, help: "The dataset's KV head (its G query heads give the queries).",
            stageOne: false),
        .reference(
            "model", \.model, role: .data,
            values: "the name of a model registered with kvlab model add (stored as its SHA-256)",
            defaultValue: "none (attention level)", appliesTo: "model-level runs",
            help:
                "Model level: run this model with every layer reading quantized caches (the column model_name holds its name)."
        ),
        .reference(
            "text", \.text, role: .data,
            values:
                "the name of a text stored with kvlab text add, or of a dataset with token ids (stored as the ids' SHA-256)",
            defaultValue: "none", appliesTo: "model-level runs", when: { $0.isModelLevel },
            help: "The token sequence the model reads (the column text_name holds its name)."),
        .optionalInteger(
            "positions", \.positions, minimum: 1, unsetWord: "all",
            read: { c in c.positions.flatMap { $0 == c.tokens - 1 ? nil : SwitchValue.int($0) } ?? .null },
            role: .data, values: "an integer in 1…tokens−1", defaultValue: "all (tokens − 1)",
            appliesTo: "model-level runs", when: { $0.isModelLevel },
            help: "Compare the last P next-token predictions.",
            stageOne: false),
        .layerList(
            "layers", \.layers, values: "a layer list such as 0-9 or 0,4-7", defaultValue: "all",
            appliesTo: "model-level runs", when: { $0.isModelLevel },
            help: "The layers whose attention reads quantized caches (the others stay exact)."),
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
    public static let specSwitches: [SwitchDeclaration] = all.filter { $0.kind != .recipe }

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

// MARK: Declaring switches

extension SwitchDeclaration {
    /// When a switch applies.
    typealias Condition = @Sendable (TrialConfig) -> Bool

    /// The error for a value of the wrong type.
    fileprivate static func wrongType(_ name: String, _ expected: String) -> ConfigError {
        ConfigError(key: name, message: "must be \(expected)")
    }

    /// The scheme: its name in every row, in the hash only for a shipped scheme (another scheme is hashed by its
    /// recipes). A value is a shipped name or `KEY+VALUE`; a spec's declared names are resolved by its reader.
    fileprivate static func scheme() -> SwitchDeclaration {
        SwitchDeclaration(
            name: "scheme", role: .scheme, kind: .scheme, unsetWord: nil,
            values: "KV, KQV, QKQV, a name declared under schemes:, or KEY+VALUE (recipes mse, prod, baseline)",
            defaultValue: "KQV", appliesTo: "all", help: "The (K recipe, V recipe) pair, by name.", stageOne: true,
            read: { .string($0.scheme.name) },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c.scheme = TrialConfig().scheme
                case .string(let text):
                    guard let scheme = Scheme(naming: text) else {
                        throw wrongType("scheme", "KV, KQV, QKQV or KEY+VALUE with recipes mse, prod, baseline")
                    }
                    c.scheme = scheme
                default: throw wrongType("scheme", "a scheme name")
                }
            },
            appliesWhen: { _ in true })
    }

    /// One side's recipe: in every row; in the hash only for a scheme that is not shipped. Setting it changes
    /// that side of the scheme (the scheme is then named by its pair).
    fileprivate static func recipe(
        _ name: String, side: KeyPath<Scheme, Recipe> & Sendable, help: String
    ) -> SwitchDeclaration {
        let words = Recipe.allCases.map(\.rawValue)
        return SwitchDeclaration(
            name: name, role: .scheme, kind: .recipe, unsetWord: nil, values: words.joined(separator: ", "),
            defaultValue: "from the scheme", appliesTo: "all", help: help, stageOne: false,
            read: { .string($0.scheme[keyPath: side].rawValue) },
            write: { (c, v) throws(ConfigError) in
                guard case .string(let text) = v, let recipe = Recipe(rawValue: text) else {
                    throw wrongType(name, "one of \(words.joined(separator: ", "))")
                }
                let isKey = side == \Scheme.key
                c.scheme = Scheme.pair(
                    key: isKey ? recipe : c.scheme.key, value: isKey ? c.scheme.value : recipe)
            },
            appliesWhen: { _ in true })
    }

    /// A switch with one of a fixed list of words (an enumeration of the engine).
    fileprivate static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<TrialConfig, E> & Sendable, role: Role, defaultValue: String,
        appliesTo: String, when applies: @escaping Condition = { _ in true }, help: String, stageOne: Bool
    ) -> SwitchDeclaration where E.RawValue == String {
        let words = E.allCases.map(\.rawValue)
        let fallback = TrialConfig()[keyPath: path]
        return SwitchDeclaration(
            name: name, role: role, kind: .choice(words), unsetWord: nil, values: words.joined(separator: ", "),
            defaultValue: defaultValue, appliesTo: appliesTo, help: help, stageOne: stageOne,
            read: { .string($0[keyPath: path].rawValue) },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c[keyPath: path] = fallback
                case .string(let text):
                    guard let value = E(rawValue: text) else {
                        throw wrongType(name, "one of \(words.joined(separator: ", "))")
                    }
                    c[keyPath: path] = value
                default: throw wrongType(name, "one of \(words.joined(separator: ", "))")
                }
            },
            appliesWhen: applies)
    }

    /// An integer switch that always has a value.
    fileprivate static func integer(
        _ name: String, _ path: WritableKeyPath<TrialConfig, Int> & Sendable, role: Role, values: String,
        defaultValue: String, appliesTo: String, when applies: @escaping Condition = { _ in true }, help: String,
        stageOne: Bool
    ) -> SwitchDeclaration {
        let fallback = TrialConfig()[keyPath: path]
        return SwitchDeclaration(
            name: name, role: role, kind: .integer(minimum: nil), unsetWord: nil, values: values,
            defaultValue: defaultValue, appliesTo: appliesTo, help: help, stageOne: stageOne,
            read: { .int($0[keyPath: path]) },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c[keyPath: path] = fallback
                case .int(let i): c[keyPath: path] = i
                default: throw wrongType(name, "an integer")
                }
            },
            appliesWhen: applies)
    }

    /// An integer switch that may be unset (a spec writes `unsetWord`); `read` gives its identity value when
    /// that differs from the stored one (rank is explicit; positions T − 1 is all).
    fileprivate static func optionalInteger(
        _ name: String, _ path: WritableKeyPath<TrialConfig, Int?> & Sendable, minimum: Int?, unsetWord: String,
        read: (@Sendable (TrialConfig) -> SwitchValue)? = nil, role: Role, values: String, defaultValue: String,
        appliesTo: String, when applies: @escaping Condition, help: String, stageOne: Bool
    ) -> SwitchDeclaration {
        SwitchDeclaration(
            name: name, role: role, kind: .integer(minimum: minimum), unsetWord: unsetWord, values: values,
            defaultValue: defaultValue, appliesTo: appliesTo, help: help, stageOne: stageOne,
            read: read ?? { c in c[keyPath: path].map { .int($0) } ?? .null },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c[keyPath: path] = nil
                case .int(let i): c[keyPath: path] = i
                default: throw wrongType(name, "an integer")
                }
            },
            appliesWhen: applies)
    }

    /// A number switch (an integer is accepted as a number).
    fileprivate static func number(
        _ name: String, _ path: WritableKeyPath<TrialConfig, Double> & Sendable, role: Role, values: String,
        defaultValue: String, appliesTo: String, when applies: @escaping Condition = { _ in true }, help: String,
        stageOne: Bool
    ) -> SwitchDeclaration {
        let fallback = TrialConfig()[keyPath: path]
        return SwitchDeclaration(
            name: name, role: role, kind: .number, unsetWord: nil, values: values, defaultValue: defaultValue,
            appliesTo: appliesTo, help: help, stageOne: stageOne,
            read: { .double($0[keyPath: path]) },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c[keyPath: path] = fallback
                case .double(let d): c[keyPath: path] = d
                case .int(let i): c[keyPath: path] = Double(i)
                default: throw wrongType(name, "a number")
                }
            },
            appliesWhen: applies)
    }

    /// Something stored in the database, by name in specs and options and by hash in a config.
    fileprivate static func reference(
        _ name: String, _ path: WritableKeyPath<TrialConfig, String?> & Sendable, role: Role, values: String,
        defaultValue: String, appliesTo: String, when applies: @escaping Condition = { _ in true }, help: String
    ) -> SwitchDeclaration {
        SwitchDeclaration(
            name: name, role: role, kind: .reference(values), unsetWord: nil, values: values,
            defaultValue: defaultValue, appliesTo: appliesTo, help: help, stageOne: false,
            read: { c in c[keyPath: path].map { .string($0) } ?? .null },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c[keyPath: path] = nil
                case .string(let text): c[keyPath: path] = text
                default: throw wrongType(name, "a name")
                }
            },
            appliesWhen: applies)
    }

    /// A layer list, stored normalised (``LayerSelection``); unset (`all`) is every layer.
    fileprivate static func layerList(
        _ name: String, _ path: WritableKeyPath<TrialConfig, String?> & Sendable, values: String,
        defaultValue: String, appliesTo: String, when applies: @escaping Condition, help: String
    ) -> SwitchDeclaration {
        SwitchDeclaration(
            name: name, role: .data, kind: .layerList, unsetWord: "all", values: values, defaultValue: defaultValue,
            appliesTo: appliesTo, help: help, stageOne: false,
            read: { c in c[keyPath: path].map { .string($0) } ?? .null },
            write: { (c, v) throws(ConfigError) in
                switch v {
                case .null: c[keyPath: path] = nil
                case .string(let text):
                    guard let selection = LayerSelection(parsing: text) else {
                        throw wrongType(name, "a layer list such as 0-9 or 0,4-7")
                    }
                    c[keyPath: path] = selection.description
                default: throw wrongType(name, "a layer list such as 0-9 or 0,4-7")
                }
            },
            appliesWhen: applies)
    }
}

/// A JSON scalar value of a switch.
public enum SwitchValue: Sendable, Hashable {
    case null
    case int(Int)
    case double(Double)
    case string(String)
}
