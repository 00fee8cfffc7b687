/// One varied switch of a grid: the switch and its values, in the order written.
public struct SweepAxis: Sendable, Hashable {
    /// The varied switch.
    public let name: SwitchName
    /// Its values, non-empty, in the order written, without repeats.
    public let values: [SwitchSetting]
    /// Where each value was written (parallel to `values`).
    let locations: [SourceLocation?]

    /// Creates an axis.
    ///
    /// - Parameters:
    ///   - name: the varied switch.
    ///   - values: its values; every one must set `name`.
    ///   - locations: where each value was written, if known.
    init(name: SwitchName, values: [SwitchSetting], locations: [SourceLocation?]) {
        precondition(values.allSatisfy { $0.name == name } && locations.count == values.count)
        self.name = name
        self.values = values
        self.locations = locations
    }
}
