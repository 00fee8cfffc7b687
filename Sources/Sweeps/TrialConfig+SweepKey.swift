import Quantization

extension TrialConfig {
    /// A canonical one-line text of every switch, e.g. `scheme=KV;bits=2;…;rotation=null;…`, in the fixed
    /// order of `switchValues`. Integers in decimal, doubles in Swift's shortest round-trip form, absent
    /// (non-applicable) switches of the first stage as `null`; later switches only where they have a value.
    ///
    /// Sweeps use it for spec fingerprints and shard assignment. It is not the store's `config_hash` (that is
    /// SHA-256 over the store's canonical JSON), but it identifies the same configs: two resolved configs
    /// have equal keys exactly when they are equal.
    var sweepKey: String {
        switchValues.compactMap { name, value in
            // A switch added after the first stage appears only with a value, so old keys stay as they were.
            if case .null = value, !Self.stageOneSwitches.contains(name) { return nil }
            return "\(name)=\(Self.text(value))"
        }.joined(separator: ";")
    }

    /// A canonical text of the data switches (those of `TrialConfig.dataKey`): configs with equal data keys
    /// see the same K, V and queries for a given (seed, trial), whatever their scheme or quantizer.
    var dataGroupKey: String {
        if let model, let text {
            // Model level: the runs of one (model, text, tokens) share the exact run.
            return "model=\(model);text=\(text);tokens=\(tokens)"
        }
        let key = dataKey
        if let source = key.source, let layer = key.layer, let head = key.head {
            let parts: [(String, SwitchValue)] = [
                ("source", .string(source)), ("layer", .int(layer)), ("head", .int(head)), ("dim", .int(key.dim)),
                ("tokens", .int(key.tokens)), ("queries", .int(key.queries)), ("logit_scale", .double(key.logitScale)),
            ]
            return parts.map { "\($0.0)=\(Self.text($0.1))" }.joined(separator: ";")
        }
        let parts: [(String, SwitchValue)] = [
            ("distribution", .string(key.distribution.rawValue)), ("rank", .int(key.rank)),
            ("mixing", .string(key.mixing.rawValue)), ("noise", .double(key.noise)),
            ("outliers", .int(key.outliers)), ("outlier_scale", .double(key.outlierScale)),
            ("dim", .int(key.dim)), ("tokens", .int(key.tokens)), ("queries", .int(key.queries)),
            ("logit_scale", .double(key.logitScale)),
        ]
        return parts.map { "\($0.0)=\(Self.text($0.1))" }.joined(separator: ";")
    }

    /// A switch value as canonical text.
    private static func text(_ value: SwitchValue) -> String {
        switch value {
        case .null: return "null"
        case .int(let v): return String(v)
        case .double(let v): return v == 0 ? "0.0" : v.description
        case .string(let v): return v
        }
    }
}
