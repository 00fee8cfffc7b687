/// A set of layer indices written as a list of ranges: `0-9`, `0,4-7`, `12`.
///
/// The normalised form (``description``) lists the layers in increasing order, merges adjacent and
/// overlapping ranges and writes a single layer without a dash, so one set has one spelling, which is what
/// the `layers` switch stores (and hashes).
public struct LayerSelection: Sendable, Hashable, CustomStringConvertible {
    /// The layers, increasing, without repeats.
    public let layers: [Int]

    /// A selection of the given layers (any order, repeats allowed; each ≥ 0).
    public init(_ layers: some Sequence<Int>) {
        self.layers = Array(Set(layers)).sorted()
    }

    /// Parses `A`, `A-B` and comma-separated lists of them (spaces allowed); nil for anything else, a
    /// descending range or a negative layer.
    public init?(parsing text: String) {
        var result: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
                $0.trimmingSpaces
            }
            guard (1...2).contains(bounds.count), bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) }),
                let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]), low >= 0, low <= high,
                high < 1 << 20
            else { return nil }
            result += Array(low...high)
        }
        guard !result.isEmpty else { return nil }
        self.init(result)
    }

    /// The normalised spelling, e.g. `0-3,7`.
    public var description: String {
        var parts: [String] = []
        var index = 0
        while index < layers.count {
            var end = index
            while end + 1 < layers.count, layers[end + 1] == layers[end] + 1 { end += 1 }
            parts.append(end == index ? "\(layers[index])" : "\(layers[index])-\(layers[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// Whether the selection is every layer of a model with `count` layers.
    public func isAll(of count: Int) -> Bool { layers == Array(0..<count) }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
