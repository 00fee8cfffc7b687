/// GGUF token types (`tokenizer.ggml.token_type`), as llama.cpp numbers them.
public enum TokenType: Int, Sendable {
    case undefined = 0, normal, unknown, control, userDefined, unused, byte

    /// The types of a vocabulary of `count` tokens from raw values (all `.normal` when nil).
    /// - Throws: `TokenizerError.tokenTypeCount` or `.invalidTokenType`.
    static func parse(_ raw: [Int]?, count: Int) throws -> [TokenType] {
        guard let raw else { return [TokenType](repeating: .normal, count: count) }
        guard raw.count == count else { throw TokenizerError.tokenTypeCount(tokens: count, types: raw.count) }
        return try raw.enumerated().map { index, value in
            guard let type = TokenType(rawValue: value) else {
                throw TokenizerError.invalidTokenType(token: index, value: value)
            }
            return type
        }
    }
}

/// The control and user-defined tokens of a vocabulary, to be found in raw text before anything else.
///
/// User-defined tokens are always found; control tokens only when the caller asks (`parseSpecial`). Where
/// several could start, the leftmost wins, and among those starting at the same byte the longest.
struct SpecialTokens: Sendable {
    /// A piece of the input: ordinary text (a byte range) or one special token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int)
    }

    private struct Entry: Sendable {
        let bytes: [UInt8]
        let id: Int
        let isControl: Bool
    }

    /// Entries by their first UTF-8 byte, longest first (lower id first among equal lengths).
    private let byFirstByte: [[Entry]]

    init(tokens: [String], types: [TokenType]) {
        var table = [[Entry]](repeating: [], count: 256)
        for (id, type) in types.enumerated() where type == .control || type == .userDefined {
            let bytes = Array(tokens[id].utf8)
            guard let first = bytes.first else { continue }
            table[Int(first)].append(Entry(bytes: bytes, id: id, isControl: type == .control))
        }
        byFirstByte = table.map { list in list.sorted { ($0.bytes.count, -$0.id) > ($1.bytes.count, -$1.id) } }
    }

    /// `bytes` cut into ordinary text and special tokens (empty text fragments are left out).
    func fragments(of bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        var out: [Fragment] = []
        var textStart = 0
        var index = 0
        while index < bytes.count {
            if let entry = match(bytes, at: index, parseSpecial: parseSpecial) {
                if textStart < index { out.append(.text(textStart..<index)) }
                out.append(.token(entry.id))
                index += entry.bytes.count
                textStart = index
            } else {
                index += 1
            }
        }
        if textStart < bytes.count { out.append(.text(textStart..<bytes.count)) }
        return out
    }

    /// The longest special token starting at `bytes[index]`, if any applies.
    private func match(_ bytes: [UInt8], at index: Int, parseSpecial: Bool) -> Entry? {
        for candidate in byFirstByte[Int(bytes[index])] where parseSpecial || !candidate.isControl {
            let end = index + candidate.bytes.count
            if end <= bytes.count && bytes[index..<end].elementsEqual(candidate.bytes) { return candidate }
        }
        return nil
    }
}

/// A binary min-heap of `UInt64` keys. The tokenizers put a priority in the high half and a symbol position
/// in the low half, so the best merge pops first and the leftmost among equals.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ item: UInt64) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && items[left] < items[smallest] { smallest = left }
                if right < items.count && items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
