/// Resolution and identity of a config, derived from ``SwitchRegistry``.
///
/// A config is resolved when every switch that does not apply to it (docs/science.md "Switches") is at its
/// default and the switches whose identity value differs from the requested one are normalised (`rank` is
/// explicit; `positions` = T − 1 is unset). Two resolved configs are equal exactly when their identities
/// (``switchValues``) are equal, so resolved configs serve as the keys of sweeps and the store.
extension TrialConfig {
    /// Whether the config uses the synthetic generator (no dataset, not a model-level run).
    public var isSynthetic: Bool { source == nil && model == nil }

    /// Whether the config reads a stored dataset (captured data) rather than the synthetic generator.
    public var isCaptured: Bool { source != nil && model == nil }

    /// Whether the config is a model-level run (a real model on quantized caches).
    public var isModelLevel: Bool { model != nil }

    /// Student-t degrees of freedom of the distribution (derived) for synthetic data, nil otherwise.
    public var nu: Int? { isSynthetic ? distribution.nu : nil }

    /// The resolved config: switches that do not apply at their defaults, the others normalised.
    public var resolved: TrialConfig {
        var c = self
        for s in SwitchRegistry.all where s.role != .scheme {
            // The declared kinds accept their own values, and null.
            try? s.set(s.value(in: self), in: &c)
        }
        return c
    }

    /// A switch's value in the config, null where it does not apply (as in its `configs` row).
    ///
    /// - Precondition: `name` is declared in ``SwitchRegistry``.
    public subscript(switch name: String) -> SwitchValue { SwitchRegistry[name].value(in: self) }

    /// The switches of the first stage: a config's sweep key lists each of them, also when it is null.
    /// Switches added later appear only where they have a value, so adding one changes no existing
    /// identity, hash or sweep fingerprint (docs/science.md "Switches").
    public static var stageOneSwitches: Set<String> { SwitchRegistry.stageOneNames }

    /// The values of the typed columns of the `configs` table, in registry order: null where a switch does
    /// not apply; the scheme's name and both recipes always filled.
    public var columnValues: [(name: String, value: SwitchValue)] {
        SwitchRegistry.all.map { ($0.name, $0.value(in: self)) }
    }

    /// The identity of the config as switch values keyed by snake_case name, in registry order.
    ///
    /// Non-applicable switches are ``SwitchValue/null``. The store hashes the canonical JSON of this (nulls
    /// omitted). A shipped scheme is identified by its name (`scheme`); any other scheme by its recipes
    /// (`key_recipe`, `value_recipe`), with `scheme` null: its name is a label (``columnValues``).
    public var switchValues: [(name: String, value: SwitchValue)] {
        let shipped = scheme.isShipped
        return SwitchRegistry.all.map { s in
            let value = s.value(in: self)
            switch s.kind {
            case .scheme: return (s.name, shipped ? value : .null)
            case .recipe: return (s.name, shipped ? .null : value)
            default: return (s.name, value)
            }
        }
    }

    /// The switches as shown to people (`kvlab trial`): the first stage's switches (nulls included), the
    /// scheme by name, and later switches only where they have a value (the recipes of a scheme that is not
    /// shipped).
    public var displayValues: [(name: String, value: SwitchValue)] {
        SwitchRegistry.all.compactMap { s in
            let value = s.value(in: self)
            if s.kind == .recipe { return scheme.isShipped ? nil : (s.name, value) }
            if case .null = value, !s.stageOne { return nil }
            return (s.name, value)
        }
    }
}
