import ArgumentParser
import ExperimentStore
import Quantization
import Sweeps

/// Every switch of ``SwitchRegistry`` as a command-line option (`--NAME VALUE` or `--NAME=VALUE`, kebab-case),
/// parsed and documented from its declaration: a switch declared in the registry is an option of
/// `kvlab trial` without any code here.
struct SwitchOptions: ParsableArguments {
    /// The switch options as given (the options the command does not declare itself).
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var arguments: [String] = []

    /// The help section listing every switch option, for the command's discussion (one paragraph each, so
    /// that the help's line wrapping keeps them apart).
    static var help: String {
        var text = "Switches, each given as --NAME VALUE (a switch not given takes its default):\n"
        for s in SwitchRegistry.all {
            let applies = s.appliesTo == "all" ? "" : " Only for \(s.appliesTo)."
            text += "\n--\(s.optionName): \(s.help) Values: \(s.values). Default: \(s.defaultValue).\(applies)\n"
        }
        return text
    }

    /// The switch options given, parsed by their declared kinds, in the order given.
    ///
    /// - Throws: ``CLIError`` (exit 2) for an unknown option (with the nearest switch), a missing value, a
    ///   value of the wrong kind, or a switch given twice.
    func given() throws -> [(declaration: SwitchDeclaration, text: String)] {
        var out: [(declaration: SwitchDeclaration, text: String)] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw CLIError.badInput("unexpected argument '\(argument)' (switches are given as --NAME VALUE)")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let declaration = SwitchRegistry.all.first(where: { $0.optionName == name }) else {
                var message = "unknown option '--\(name)'"
                let names = SwitchRegistry.all.map(\.optionName) + ["seed", "trial", "format", "record", "db"]
                if let near = Spelling.nearest(name, among: names) { message += "; did you mean --\(near)?" }
                throw CLIError.badInput(message + " (kvlab trial --help lists the options)")
            }
            if value == nil {
                guard i + 1 < arguments.count else {
                    throw CLIError.badInput("--\(name): missing value (\(declaration.values))")
                }
                i += 1
                value = arguments[i]
            }
            guard !out.contains(where: { $0.declaration.name == declaration.name }) else {
                throw CLIError.badInput("--\(name) is given twice")
            }
            out.append((declaration, value ?? ""))
            i += 1
        }
        return out
    }

    /// Whether the config reads the database: a dataset (`--source`) or a model-level run (`--model`).
    func needsDatabase() throws -> Bool {
        try given().contains { if case .reference = $0.declaration.kind { return true } else { return false } }
    }

    /// The switches as spec settings: the scheme (from `--scheme` or the recipes) and every switch given.
    ///
    /// - Throws: ``CLIError`` (exit 2) naming the option whose value is not of its switch's kind.
    func settings() throws -> [SwitchSetting] {
        let given = try given()
        func text(_ name: String) -> String? { given.first { $0.declaration.name == name }?.text }
        var out: [SwitchSetting] = [
            .scheme(try Self.scheme(text("scheme"), key: text("key_recipe"), value: text("value_recipe")))
        ]
        for (declaration, text) in given {
            guard let name = SwitchName(rawValue: declaration.name), name != .scheme else { continue }
            out.append(SwitchSetting(name, try Self.value(text, of: declaration)))
        }
        return out
    }

    /// An option's text as a value of its switch's kind.
    static func value(_ text: String, of s: SwitchDeclaration) throws -> SwitchValue {
        let option = "--\(s.optionName)"
        if let word = s.unsetWord, text == word { return .null }
        switch s.kind {
        case .integer(let minimum):
            guard let value = Int(text) else {
                throw CLIError.badInput("\(option): '\(text)' is not an integer (\(s.values))")
            }
            if let minimum, value < minimum { throw CLIError.badInput("\(option): \(value) must be ≥ \(minimum)") }
            return .int(value)
        case .number:
            guard let value = Double(text), value.isFinite else {
                throw CLIError.badInput("\(option): '\(text)' is not a finite number (\(s.values))")
            }
            return .double(value == 0 ? 0 : value)
        case .choice(let words):
            guard words.contains(text) else {
                var message = "\(option): '\(text)' is not one of \(words.joined(separator: ", "))"
                if let near = Spelling.nearest(text, among: words) { message += "; did you mean \(near)?" }
                throw CLIError.badInput(message)
            }
            return .string(text)
        case .layerList:
            guard let selection = LayerSelection(parsing: text) else {
                throw CLIError.badInput("\(option): \(text) is not a layer list (e.g. 0-9 or 0,4-7)")
            }
            return .string(selection.description)
        case .reference, .scheme, .recipe:
            return .string(text)
        }
    }

    /// The scheme of `--scheme`, or of `--key-recipe` and `--value-recipe`: a shipped name, or the scheme
    /// named for a recipe pair (docs/science.md: the shipped scheme of that pair, else `KEY+VALUE`).
    ///
    /// - Throws: ``CLIError`` (exit 2) for an unknown scheme or recipe, half a recipe pair, or a contradiction.
    static func scheme(_ scheme: String?, key: String?, value: String?) throws -> Scheme {
        if key != nil || value != nil {
            guard let key, let value else {
                throw CLIError.badInput("give both --key-recipe and --value-recipe (recipes: mse, prod, baseline)")
            }
            guard let keyRecipe = Recipe(rawValue: key), let valueRecipe = Recipe(rawValue: value) else {
                let bad = Recipe(rawValue: key) == nil ? "--key-recipe \(key)" : "--value-recipe \(value)"
                throw CLIError.badInput("\(bad): not a recipe (mse, prod, baseline)")
            }
            let pair = Scheme.pair(key: keyRecipe, value: valueRecipe)
            if let scheme, scheme != pair.name {
                throw CLIError.badInput("--scheme \(scheme) contradicts --key-recipe/--value-recipe (\(pair.name))")
            }
            return pair
        }
        guard let scheme else { return TrialConfig().scheme }
        guard let named = Scheme(naming: scheme) else {
            throw CLIError.badInput(
                "--scheme \(scheme): not a scheme (KV, KQV, QKQV, or KEY+VALUE with recipes mse, prod, baseline)")
        }
        return named
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
            let source = settings.first { $0.name == .source }?.valueText ?? ""
            throw CLIError.badInput(
                "dataset \(source) has \(configs.count) (layer, KV head) pairs: choose one with --layer and --head")
        }
        return config
    }
}
