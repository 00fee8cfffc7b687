import Statistics
import Sweeps
import Testing

@Suite("Sweep spec fuzzing")
struct SpecFuzzTests {
    /// Characters that are likely to break YAML structure or values.
    static let alphabet = Array(":-[]{},'\"#&*!|>%@` \n\t0123456789.eE+xKVQfull~")

    /// Replacement values for a whole value token.
    static let values = [
        "0", "-1", "1e999", "99999999999999999999", "full", "null", "~", "[]", "{}", "[1, 2]", "\"4\"", "4.5",
        "KV", "none", "nan", ".inf", "*a", "&a 3", "!!str 4", "100000", "65", "4096", "8192",
    ]

    /// One random mutation of a text.
    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var chars = Array(text)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:  // delete a character
            chars.remove(at: Int.random(in: 0..<chars.count, using: &rng))
        case 1:  // duplicate a character
            let i = Int.random(in: 0..<chars.count, using: &rng)
            chars.insert(chars[i], at: i)
        case 2:  // insert a character
            chars.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...chars.count, using: &rng))
        case 3:  // replace a character
            chars[Int.random(in: 0..<chars.count, using: &rng)] = alphabet.randomElement(using: &rng)!
        case 4:  // delete a line
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
            return lines.joined(separator: "\n")
        case 5:  // duplicate a line
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: i)
            return lines.joined(separator: "\n")
        case 6:  // swap two lines
            lines.swapAt(
                Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
            return lines.joined(separator: "\n")
        default:  // replace a value (a word after ": ", "[" or ", ") with a random one
            let i = Int.random(in: 0..<lines.count, using: &rng)
            var line = lines[i]
            let separators = [": ", "[", ", "]
            if let separator = separators.randomElement(using: &rng), let range = line.range(of: separator) {
                let rest = line[range.upperBound...]
                let end = rest.firstIndex { $0 == "," || $0 == "]" || $0 == "}" } ?? rest.endIndex
                line.replaceSubrange(range.upperBound..<end, with: values.randomElement(using: &rng)!)
                lines[i] = line
            }
            return lines.joined(separator: "\n")
        }
        return String(chars)
    }

    @Test("random mutations of the shipped specs parse or throw SweepSpecError, never crash")
    func mutations() throws {
        var rng = SplitMix64(seed: 0x5EED)
        var parsed = 0
        var failed = 0
        for name in SweepSpec.shippedNames {
            let original = try #require(SweepSpec.shippedText(named: name))
            for round in 0..<150 {
                var text = original
                for _ in 0..<(1 + round % 3) { text = Self.mutate(text, &rng) }
                do {
                    let spec = try SweepSpec.parse(text: text, source: "fuzz.yaml")
                    #expect(!spec.configs.isEmpty || spec.excludedCount > 0)
                    #expect(spec.fingerprint.count == 64)
                    parsed += 1
                } catch {
                    #expect(error.description.hasPrefix("fuzz.yaml: "), "\(error)")
                    #expect(!error.message.isEmpty)
                    failed += 1
                }
            }
        }
        #expect(parsed + failed == 150 * SweepSpec.shippedNames.count)
        // Both outcomes occur (comment edits keep a spec valid; most structural edits do not).
        #expect(parsed > 0 && failed > 0)
    }

    @Test("a spec whose grid exclusions drop every combination has no configs")
    func everythingExcluded() throws {
        let spec = try TestSupport.spec("name: e\nseeds: 1\ngrid: {bits: [2]}\nexclude: [{bits: 2}]\n")
        #expect(spec.configs.isEmpty && spec.runCount == 0 && spec.excludedCount == 1)
    }
}
