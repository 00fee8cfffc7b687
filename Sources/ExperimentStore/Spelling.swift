/// Suggestions for misspelt names ("did you mean …?"), shared by the spec reader and the `--where` check.
public enum Spelling {
    /// The allowed word closest to a misspelt one: the only one equal ignoring case, else the only one at the
    /// smallest edit distance if that is ≤ 2; nil when there is none or a tie.
    public static func nearest(_ word: String, among allowed: [String]) -> String? {
        let caseInsensitive = allowed.filter { $0.lowercased() == word.lowercased() }
        if caseInsensitive.count == 1 { return caseInsensitive[0] }
        let scored = allowed.map { (word: $0, distance: editDistance(word, $0)) }
        guard let best = scored.map(\.distance).min(), best <= 2, best < word.count else { return nil }
        let closest = scored.filter { $0.distance == best }
        return closest.count == 1 ? closest[0].word : nil
    }

    /// Levenshtein distance between two short strings (by Character; the first 64 of each).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64))
        let b = Array(b.prefix(64))
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.count]
    }
}
