/// One grid of a spec: the cross product of its axes.
///
/// Expansion order: the first axis written varies slowest and the last fastest (nested loops in the
/// order written), each axis in the order of its list.
public struct SweepGrid: Sendable, Hashable {
    /// The varied switches, in the order written.
    public let axes: [SweepAxis]
    /// Where the grid sits in the spec: `grid` or `grids[i]` (error messages).
    let keyPath: String

    /// Creates a grid.
    ///
    /// - Parameters:
    ///   - axes: the varied switches, each at most once.
    ///   - keyPath: `grid` or `grids[i]`.
    init(axes: [SweepAxis], keyPath: String) {
        self.axes = axes
        self.keyPath = keyPath
    }

    /// The number of combinations (product of the axis lengths), or nil when it overflows `Int`.
    public var combinationCount: Int? {
        var product = 1
        for axis in axes {
            let (next, overflow) = product.multipliedReportingOverflow(by: axis.values.count)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
