import Quantization

extension TrialConfig {
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

    /// Rebuilds a resolved config from its switch values (e.g. parsed canonical JSON), through
    /// ``SwitchRegistry``.
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
        var recipes = 0
        for (name, value) in members {
            if case .null = value { continue }
            guard let declaration = SwitchRegistry.all.first(where: { $0.name == name }) else {
                throw .invalidConfig("unknown switch \"\(name)\"")
            }
            if declaration.kind == .recipe { recipes += 1 }
            if declaration.kind == .scheme, case .string(let text) = value, Scheme(rawValue: text) == nil {
                let shipped = Scheme.shipped.map(\.name).joined(separator: ", ")
                throw .invalidConfig("scheme must be one of \(shipped) (another scheme is stored by its recipes)")
            }
            do {
                try declaration.set(value, in: &config)
            } catch {
                throw .invalidConfig(error.description)
            }
        }
        if recipes > 0 {
            guard recipes == 2, !members.contains(where: { $0.name == "scheme" && $0.value != .null }) else {
                throw .invalidConfig("a config names either a shipped scheme or both key_recipe and value_recipe")
            }
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
}
