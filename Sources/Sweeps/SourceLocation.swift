import Yams

/// A 1-based line and column in a spec's text.
struct SourceLocation: Sendable, Hashable {
    /// The 1-based line.
    var line: Int
    /// The 1-based column, counted in Unicode scalars.
    var column: Int

    /// The location of a YAML node, if Yams recorded one.
    ///
    /// - Parameter node: a composed node.
    init?(_ node: Node) {
        guard let mark = node.mark else { return nil }
        self.init(line: mark.line, column: mark.column)
    }

    /// A location from explicit coordinates.
    ///
    /// - Parameters:
    ///   - line: the 1-based line.
    ///   - column: the 1-based column.
    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
