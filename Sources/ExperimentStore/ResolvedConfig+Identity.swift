import Quantization

extension ResolvedConfig {
    /// The canonical JSON of the config's switch values (``CanonicalJSON``): what its hash is computed over.
    ///
    /// - Throws: ``StoreError/invalidConfig(_:)`` when a number is not finite.
    public func canonicalJSON() throws(StoreError) -> String {
        try CanonicalJSON.encode(switchValues)
    }

    /// The config's identity: lowercase hex SHA-256 of the UTF-8 bytes of ``canonicalJSON()``.
    ///
    /// - Throws: ``StoreError/invalidConfig(_:)`` when a number is not finite.
    public func configHash() throws(StoreError) -> String {
        Hex.sha256(try canonicalJSON().utf8)
    }

    /// Rebuilds a resolved config from its switch values (e.g. parsed canonical JSON).
    ///
    /// Absent keys take their docs/science.md defaults before resolution; integers are accepted where a double
    /// is expected. The result must resolve to exactly the given values (a switch that does not apply must
    /// be absent or null).
    ///
    /// - Parameter members: switch name → value.
    /// - Throws: ``StoreError/invalidConfig(_:)`` for an unknown switch, a value of the wrong type or out of
    ///   range, or values that are not a resolved config.
    public init(switchValues members: [(name: String, value: SwitchValue)]) throws(StoreError) {
        var config = TrialConfig()
        var recipes: (key: Recipe?, value: Recipe?) = (nil, nil)
        for (name, value) in members {
            if case .null = value { continue }
            switch name {
            case "key_recipe": recipes.key = try Self.enumValue(name, value)
            case "value_recipe": recipes.value = try Self.enumValue(name, value)
            default: try Self.assign(name, value, to: &config)
            }
        }
        if recipes.key != nil || recipes.value != nil {
            guard let key = recipes.key, let value = recipes.value,
                !members.contains(where: { $0.name == "scheme" && $0.value != .null })
            else {
                throw .invalidConfig("a config names either a shipped scheme or both key_recipe and value_recipe")
            }
            config.scheme = Scheme.pair(key: key, value: value)
        }
        do {
            try config.validate()
        } catch {
            throw .invalidConfig(error.description)
        }
        let resolved = config.resolved
        let expected = try CanonicalJSON.encode(members)
        guard try CanonicalJSON.encode(resolved.switchValues) == expected else {
            throw .invalidConfig("\(expected) is not a resolved config (a switch that does not apply is set)")
        }
        self = resolved
    }

    /// Sets one switch of a requested config from a JSON value.
    private static func assign(_ name: String, _ value: SwitchValue, to c: inout TrialConfig) throws(StoreError) {
        switch name {
        case "scheme":
            guard case .string(let text) = value, let scheme = Scheme(rawValue: text) else {
                let shipped = Scheme.shipped.map(\.name).joined(separator: ", ")
                throw .invalidConfig("scheme must be one of \(shipped) (another scheme is stored by its recipes)")
            }
            c.scheme = scheme
        case "bits": c.bits = try int(name, value)
        case "distribution": c.distribution = try enumValue(name, value)
        case "rank": c.rank = try int(name, value)
        case "mixing": c.mixing = try enumValue(name, value)
        case "noise": c.noise = try double(name, value)
        case "outliers": c.outliers = try int(name, value)
        case "outlier_scale": c.outlierScale = try double(name, value)
        case "dim": c.dim = try int(name, value)
        case "tokens": c.tokens = try int(name, value)
        case "queries": c.queries = try int(name, value)
        case "logit_scale": c.logitScale = try double(name, value)
        case "rotation": c.rotation = try enumValue(name, value)
        case "qjl": c.qjl = try enumValue(name, value)
        case "codebook": c.codebook = try enumValue(name, value)
        case "baseline": c.baseline = try enumValue(name, value)
        case "norms": c.norms = try enumValue(name, value)
        case "source":
            guard case .string(let hash) = value else { throw .invalidConfig("source must be a dataset content hash") }
            c.source = hash
        case "layer": c.layer = try int(name, value)
        case "head": c.head = try int(name, value)
        case "model", "text":
            guard case .string(let hash) = value else { throw .invalidConfig("\(name) must be a SHA-256 in hex") }
            if name == "model" { c.model = hash } else { c.text = hash }
        case "positions": c.positions = try int(name, value)
        case "layers":
            guard case .string(let layers) = value else { throw .invalidConfig("layers must be a layer list") }
            c.layers = layers
        default: throw .invalidConfig("unknown switch \"\(name)\"")
        }
    }

    private static func int(_ name: String, _ value: SwitchValue) throws(StoreError) -> Int {
        guard case .int(let i) = value else { throw .invalidConfig("\(name) must be an integer") }
        return i
    }

    private static func double(_ name: String, _ value: SwitchValue) throws(StoreError) -> Double {
        switch value {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: throw .invalidConfig("\(name) must be a number")
        }
    }

    private static func enumValue<E: RawRepresentable & CaseIterable>(
        _ name: String, _ value: SwitchValue
    ) throws(StoreError) -> E where E.RawValue == String {
        guard case .string(let s) = value, let e = E(rawValue: s) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidConfig("\(name) must be one of \(allowed)")
        }
        return e
    }
}
