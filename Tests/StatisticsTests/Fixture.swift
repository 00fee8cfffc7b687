import Foundation

/// A golden-value fixture from `Fixtures/` (written by `scripts/golden/statistics.py`).
///
/// Decoded with `JSONDecoder`, whose number parsing rounds correctly (corelibs `JSONSerialization` can be
/// one ulp off, which would break the exact comparisons).
struct Fixture {
    /// The decoded top-level JSON object.
    let root: [String: JSONValue]

    /// Loads `Fixtures/<name>` from the test bundle.
    init(_ name: String) throws {
        guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        root = value.object ?? [:]
    }

    /// The array of objects under `key`.
    func cases(_ key: String = "cases") -> [[String: JSONValue]] {
        root[key]?.objects ?? []
    }

    /// A fixture number: a JSON number or one of the strings "NaN", "Infinity", "-Infinity".
    static func double(_ value: JSONValue?) -> Double {
        value?.double ?? .nan
    }

    /// An array of fixture numbers.
    static func doubles(_ value: JSONValue?) -> [Double] {
        (value?.array ?? []).map { $0.double ?? .nan }
    }
}

/// A decoded JSON value.
enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The number (non-finite numbers are the strings "NaN", "Infinity", "-Infinity").
    var double: Double? {
        switch self {
        case .number(let number): return number
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string("NaN"): return .nan
        default: return nil
        }
    }

    /// The number as an integer, if it is one.
    var int: Int? { double.flatMap { Int(exactly: $0) } }

    /// The string.
    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of an array.
    var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members of an object.
    var object: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements of an array of objects.
    var objects: [[String: JSONValue]]? {
        array?.compactMap(\.object)
    }

    /// Member lookup on an object.
    subscript(key: String) -> JSONValue? { object?[key] }
}

/// Whether `actual` matches `expected` to `relative` tolerance; values below `absolute` in magnitude (the
/// double range's subnormal floor by default) only need to agree absolutely. NaN matches NaN, and infinities
/// must be equal.
func isClose(_ actual: Double, _ expected: Double, relative: Double, absolute: Double = 1e-300) -> Bool {
    if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
    if expected.isInfinite || actual.isInfinite { return actual == expected }
    return abs(actual - expected) <= max(relative * abs(expected), absolute)
}
