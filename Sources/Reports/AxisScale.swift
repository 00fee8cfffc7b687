import Foundation

/// A y-axis scale of the report's charts: linear with "nice" ticks, or logarithmic (base 10) with ticks
/// at powers of ten.
///
/// ``fitting(_:including:)`` picks log when every value is positive and they span more than 1.5 decades.
struct AxisScale: Sendable, Equatable {
    /// Whether the scale is logarithmic.
    var isLog: Bool
    /// The lower end of the axis (data units).
    var low: Double
    /// The upper end of the axis (data units).
    var high: Double
    /// Tick positions (data units), ascending.
    var ticks: [Double]

    /// Decades spanned above which the log scale is used.
    static let logThresholdDecades = 1.5

    /// The scale that fits means and their CI ends, with optional reference values that must be visible
    /// (e.g. 0 or 1).
    ///
    /// The scale is logarithmic when every finite mean (and reference) is positive and the means span more
    /// than ``logThresholdDecades``; CI ends at or below zero are then clamped to the axis, and the axis
    /// reaches down at most one decade below the smallest mean.
    ///
    /// - Parameters:
    ///   - means: the central values; non-finite ones are ignored.
    ///   - bounds: CI ends; non-finite ones are ignored.
    ///   - including: values the axis must include (reference lines).
    /// - Returns: the scale; a default 0…1 linear scale when there is no finite value.
    static func fitting(_ means: [Double], bounds: [Double] = [], including: [Double] = []) -> AxisScale {
        let centres = means.filter(\.isFinite)
        let ends = bounds.filter(\.isFinite)
        let refs = including.filter(\.isFinite)
        let all = centres + ends + refs
        guard let minValue = all.min(), let maxValue = all.max(), let minMean = centres.min(),
            let maxMean = centres.max()
        else {
            return linear(low: min(0, including.min() ?? 0), high: max(1, including.max() ?? 1))
        }
        if minMean > 0, refs.allSatisfy({ $0 > 0 }), log10(maxMean / minMean) > logThresholdDecades {
            let floor = minMean / 10
            let lows = (centres + refs + ends.filter { $0 > 0 }).map { Swift.max($0, floor) }
            return log(low: lows.min() ?? minMean, high: maxValue)
        }
        return linear(low: minValue, high: maxValue)
    }

    /// A linear scale with about five nice ticks (steps of 1, 2 or 5 × 10^k) covering low…high.
    static func linear(low: Double, high: Double) -> AxisScale {
        var lo = low
        var hi = high
        if hi - lo <= 0 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let rough = (hi - lo) / 4.5
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let start = floor(lo / step) * step
        let end = ceil(hi / step) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let t = start + Double(k) * step
            if t > end + step * 1e-9 { break }
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            k += 1
        }
        return AxisScale(isLog: false, low: start, high: end, ticks: ticks)
    }

    /// A log scale from the decade at or below low to the decade at or above high, ticks at every decade
    /// (every second or third when there are more than seven).
    static func log(low: Double, high: Double) -> AxisScale {
        let a = floor(log10(low) + 1e-9)
        let b = ceil(log10(high) - 1e-9)
        let lowerDecade = Int(a)
        let upperDecade = max(Int(b), lowerDecade + 1)
        let span = upperDecade - lowerDecade
        let every = span > 14 ? 3 : (span > 7 ? 2 : 1)
        let ticks = stride(from: lowerDecade, through: upperDecade, by: every).map { pow(10, Double($0)) }
        return AxisScale(
            isLog: true, low: pow(10, Double(lowerDecade)), high: pow(10, Double(upperDecade)), ticks: ticks)
    }

    /// Minor grid positions of a log axis (2…9 × each decade) when it spans at most four decades; none on a
    /// linear axis.
    var minorTicks: [Double] {
        guard isLog, log10(high / low) <= 4.01 else { return [] }
        var out: [Double] = []
        var decade = low
        while decade < high * 0.999 {
            for k in 2...9 { out.append(decade * Double(k)) }
            decade *= 10
        }
        return out
    }

    /// The fraction 0…1 of the axis where a value lies (outside 0…1 when it is off the axis; NaN for a
    /// value a log axis cannot show).
    func fraction(_ value: Double) -> Double {
        if isLog {
            guard value > 0 else { return -.infinity }
            return (log10(value) - log10(low)) / (log10(high) - log10(low))
        }
        return (value - low) / (high - low)
    }

    /// The label of a tick: `10⁻³` style on a log axis; on a linear axis as many decimals as the step needs,
    /// or an exponent form for very small or large numbers.
    func label(_ tick: Double) -> String {
        if isLog {
            let exponent = Int(log10(tick).rounded())
            let decimal = ticks.allSatisfy { $0 >= 0.0099 && $0 <= 101 }
            if decimal || exponent == 0 { return Markup.number(tick) }
            return "10" + Self.superscript(exponent)
        }
        if tick == 0 { return "0" }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : abs(tick)
        let largest = max(abs(low), abs(high))
        if largest >= 1e5 || largest < 1e-3 {
            return String(format: "%.1e", tick).replacingOccurrences(of: "e-0", with: "e-")
                .replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e")
        }
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)) + (Self.needsExtraDigit(step) ? 1 : 0))
        return String(format: "%.\(decimals)f", tick).replacingOccurrences(of: "-", with: "−")
    }

    /// Whether a step like 2.5 × 10^k needs one more decimal than its power of ten.
    private static func needsExtraDigit(_ step: Double) -> Bool {
        let mantissa = step / pow(10, floor(log10(step) + 1e-9))
        return abs(mantissa - 2.5) < 1e-6
    }

    /// An integer in Unicode superscript digits (`-3` → `⁻³`).
    static func superscript(_ value: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        let body = String(String(abs(value)).map { digits[Int(String($0))!] })
        return (value < 0 ? "⁻" : "") + body
    }
}
