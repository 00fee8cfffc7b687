/// Invalid `kvlab agg` options (bad input, exit 2), with the allowed values in the message.
public enum AggregationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An option's list is empty.
    case empty(option: String)
    /// A value appears twice in an option's list.
    case repeated(option: String, value: String)
    /// `--by` names no switch.
    case unknownDimension(String, allowed: [String])
    /// `--metric` names no metric.
    case unknownMetric(String, allowed: [String])
    /// `--stat` names no statistic.
    case unknownStatistic(String, allowed: [String])

    /// The user-facing message.
    public var description: String {
        switch self {
        case .empty(let option): return "\(option) needs at least one name"
        case .repeated(let option, let value): return "\(option): \(value) is given twice"
        case .unknownDimension(let d, let allowed):
            return "--by \(d): not a switch (allowed: \(allowed.joined(separator: ", ")))"
        case .unknownMetric(let m, let allowed):
            return "--metric \(m): not a metric (allowed: \(allowed.joined(separator: ", ")))"
        case .unknownStatistic(let s, let allowed):
            return "--stat \(s): not a statistic (allowed: \(allowed.joined(separator: ", ")))"
        }
    }
}
