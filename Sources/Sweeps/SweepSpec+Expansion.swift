import Quantization

extension SweepSpec {
    /// The result of expanding grids into configs.
    typealias Expansion = (configs: [ResolvedConfig], combinations: Int, excluded: Int, matches: [Int])

    /// Expands grids × fixed into validated, de-duplicated resolved configs (order: see ``SweepSpec``).
    ///
    /// - Parameters:
    ///   - source: the spec's file, for errors.
    ///   - fixed: the fixed settings.
    ///   - fixedLocations: where each fixed switch was written.
    ///   - grids: the grids (empty: one config from `fixed`).
    ///   - exclude: the exclusion entries.
    /// - Returns: the configs, the number of combinations, how many were excluded, and per exclusion entry
    ///   how many combinations it matched.
    /// - Throws: ``SweepSpecError`` for too many combinations, or the first combination that fails
    ///   `TrialConfig.validate()`, located at the grid value (or fixed entry) that set the offending switch.
    /// - Complexity: O(combinations × (switches + exclusion settings)).
    static func expand(
        source: String, fixed: [SwitchSetting], fixedLocations: [SwitchName: SourceLocation], grids: [SweepGrid],
        exclude: [[SwitchSetting]]
    ) throws(SweepSpecError) -> Expansion {
        let grids = grids.isEmpty ? [SweepGrid(axes: [], keyPath: "")] : grids
        var total = 0
        for grid in grids {
            let (sum, overflow) = total.addingReportingOverflow(grid.combinationCount ?? Int.max)
            total = overflow ? Int.max : sum
        }
        guard total <= maxCombinations else {
            let path = grids.count == 1 ? grids[0].keyPath : "grids"
            let count = total == Int.max ? "more than \(Int.max)" : "\(total)"
            throw SweepSpecError(
                kind: .invalid, source: source, keyPath: path,
                message: "expands to \(count) combinations (at most \(maxCombinations) are allowed)")
        }

        var base = TrialConfig()
        for setting in fixed { setting.apply(to: &base) }
        var configs: [ResolvedConfig] = []
        var seen: Set<ResolvedConfig> = []
        var matches = Array(repeating: 0, count: exclude.count)
        var excluded = 0
        for grid in grids {
            var index = Array(repeating: 0, count: grid.axes.count)
            repeat {
                var config = base
                for (k, axis) in grid.axes.enumerated() { axis.values[index[k]].apply(to: &config) }
                let resolved = config.resolved
                var isExcluded = false
                for (e, entry) in exclude.enumerated() where entry.allSatisfy({ $0.matches(resolved) }) {
                    matches[e] += 1
                    isExcluded = true
                }
                if isExcluded {
                    excluded += 1
                } else {
                    do {
                        try config.validate()
                    } catch {
                        throw locate(error, source: source, grid: grid, index: index, fixed: fixedLocations)
                    }
                    if seen.insert(resolved).inserted { configs.append(resolved) }
                }
            } while advance(&index, grid: grid)
        }
        return (configs, total, excluded, matches)
    }

    /// Steps an odometer over a grid's axes, the last axis fastest.
    ///
    /// - Returns: false after the last combination.
    private static func advance(_ index: inout [Int], grid: SweepGrid) -> Bool {
        var k = index.count - 1
        while k >= 0 {
            index[k] += 1
            if index[k] < grid.axes[k].values.count { return true }
            index[k] = 0
            k -= 1
        }
        return false
    }

    /// Turns a config validation error into a spec error at the grid value or fixed entry that set the
    /// offending switch; for `rank` and `outliers` (bounded by dim) it also says where dim came from.
    private static func locate(
        _ error: ConfigError, source: String, grid: SweepGrid, index: [Int], fixed: [SwitchName: SourceLocation]
    ) -> SweepSpecError {
        func origin(_ name: SwitchName) -> (path: String, location: SourceLocation?)? {
            if let k = grid.axes.firstIndex(where: { $0.name == name }) {
                return ("\(grid.keyPath).\(name.rawValue)[\(index[k])]", grid.axes[k].locations[index[k]])
            }
            if fixed.keys.contains(name) { return ("fixed.\(name.rawValue)", fixed[name]) }
            return nil
        }
        let name = SwitchName(rawValue: error.key)
        var message = error.message
        if name == .rank || name == .outliers, let dim = origin(.dim) {
            message += " (dim from \(dim.path))"
        }
        guard let name, let place = origin(name) else {
            return SweepSpecError(
                kind: .invalid, source: source, keyPath: error.key, message: message + " (default value)")
        }
        return SweepSpecError(
            kind: .invalid, source: source, keyPath: place.path, message: message, line: place.location?.line,
            column: place.location?.column)
    }
}
