import Quantization

/// One switch set to one value, as written in a spec (`fixed`, a grid list entry or an `exclude` entry) or
/// given as a `kvlab trial` option.
///
/// The value has the switch's kind (``SwitchDeclaration/Kind``); ``SwitchValue/null`` is the switch's unset
/// word (`rank: full`, `layer: all`). A `source`, `model` or `text` holds a name, resolved to its hash at
/// expansion; a `scheme` holds the scheme it names (a spec's declared names are resolved by its reader).
public struct SwitchSetting: Sendable, Hashable {
    /// The switch this setting sets.
    public let name: SwitchName
    /// The value.
    public let value: SwitchValue
    /// The scheme of a `scheme` setting.
    let scheme: Scheme?

    /// A setting of any switch but `scheme`.
    public init(_ name: SwitchName, _ value: SwitchValue) {
        precondition(name != .scheme, "a scheme setting is made with SwitchSetting.scheme(_:)")
        self.name = name
        self.value = value
        scheme = nil
    }

    private init(scheme: Scheme) {
        name = .scheme
        value = .string(scheme.name)
        self.scheme = scheme
    }

    /// A `scheme` setting.
    public static func scheme(_ scheme: Scheme) -> SwitchSetting { SwitchSetting(scheme: scheme) }

    /// The value as it would be written in a spec (`KQV`, `4`, `0.1`, `full`, `kv-beta`).
    public var valueText: String {
        switch value {
        case .null: return name.declaration.unsetWord ?? "null"
        case .int(let v): return "\(v)"
        case .double(let v): return "\(v)"
        case .string(let v): return v
        }
    }

    /// Sets this switch in a config (a `source`, `model` or `text` still as its name: the expansion
    /// resolves it).
    ///
    /// - Throws: ``ConfigError`` for a value that is not of the switch's kind.
    func apply(to config: inout TrialConfig) throws(ConfigError) {
        if let scheme {
            config.scheme = scheme
        } else {
            try name.declaration.set(value, in: &config)
        }
    }

    /// Whether a resolved config has this value (the `exclude` test).
    ///
    /// A switch that does not apply to the config (null in its row) matches nothing, so `{rotation: none}`
    /// never drops a KV config. `rank: full` matches configs whose rank equals their dim; `layer: all` and
    /// `head: all` match every layer and head; `positions: T − 1` and `layers` naming a model's every layer
    /// match configs that store them as all; a name matches the config holding its hash.
    ///
    /// - Parameters:
    ///   - config: a resolved config.
    ///   - datasets: the database's datasets, models and texts (a name setting names one).
    /// - Returns: true when the resolved value equals this setting's value.
    public func matches(_ config: TrialConfig, datasets: DatasetCatalog = .empty) -> Bool {
        let declaration = name.declaration
        guard declaration.applies(to: config) else { return false }
        if let scheme { return config.scheme == scheme }
        var value = value
        switch declaration.kind {
        case .reference:
            guard case .string(let stored) = value, let hash = datasets.hash(of: stored, for: name) else {
                return false
            }
            value = .string(hash)
        case .layerList:
            if case .string(let text) = value, let model = config.model, let selection = LayerSelection(parsing: text),
                let entry = datasets.model(sha256: model), selection.isAll(of: entry.layers)
            {
                value = .null
            }
        case .integer where value == .null && (name == .layer || name == .head):
            return true  // every layer or head
        default: break
        }
        // The setting applied to the config gives the same identity value exactly when it matches.
        var probe = config
        guard (try? declaration.set(value, in: &probe)) != nil else { return false }
        return declaration.value(in: probe) == declaration.value(in: config)
    }
}

extension SwitchSetting: CustomStringConvertible {
    /// `name: value`, as in a spec.
    public var description: String { "\(name.rawValue): \(valueText)" }
}
