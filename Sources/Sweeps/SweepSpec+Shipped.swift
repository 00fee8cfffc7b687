extension SweepSpec {
    /// The names of the specs shipped in the binary (from the repo's `sweeps/` directory).
    public static let shippedNames = ["caches", "model", "paper", "paper-gap", "sensitivity", "smoke"]

    /// The text of a shipped spec, as embedded at build time.
    ///
    /// - Parameter name: `caches`, `model`, `paper`, `paper-gap`, `sensitivity` or `smoke`.
    /// - Returns: the YAML text, or nil for another name.
    public static func shippedText(named name: String) -> String? {
        let bytes: [UInt8]
        switch name {
        case "caches": bytes = PackageResources.caches_yaml
        case "model": bytes = PackageResources.model_yaml
        case "paper": bytes = PackageResources.paper_yaml
        case "paper-gap": bytes = PackageResources.paper_gap_yaml
        case "sensitivity": bytes = PackageResources.sensitivity_yaml
        case "smoke": bytes = PackageResources.smoke_yaml
        default: return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A shipped spec, parsed; its ``source`` is `sweeps/NAME.yaml`.
    ///
    /// - Parameters:
    ///   - name: `caches`, `model`, `paper`, `paper-gap`, `sensitivity` or `smoke`.
    ///   - datasets: the datasets, models and texts a spec over real data (`caches`, `model`) reads.
    /// - Returns: the expanded spec.
    /// - Throws: ``SweepSpecError`` (kind `io`) for an unknown name.
    public static func shipped(named name: String, datasets: DatasetCatalog = .empty) throws(SweepSpecError)
        -> SweepSpec
    {
        guard let text = shippedText(named: name) else {
            throw SweepSpecError(
                kind: .io, source: name,
                message: "no shipped spec of that name (shipped: \(shippedNames.joined(separator: ", ")))")
        }
        return try parse(text: text, source: "sweeps/\(name).yaml", datasets: datasets)
    }
}
