import Synchronization

/// A thread-safe cache of codebooks per (law, d, b).
///
/// Passed explicitly to the engine (no global state). Designing is deterministic, so two threads that
/// race on the same key store identical codebooks.
public final class CodebookCache: Sendable {
    private struct Key: Hashable {
        var law: CodebookLaw
        var dim: Int
        var bits: Int
    }

    private let table = Mutex<[Key: Codebook]>([:])

    /// An empty cache.
    public init() {}

    /// The codebook of (law, dim, bits), designed on first use.
    public func codebook(law: CodebookLaw, dim: Int, bits: Int) -> Codebook {
        let key = Key(law: law, dim: dim, bits: bits)
        if let hit = table.withLock({ $0[key] }) { return hit }
        let made = Codebook(law: law, dim: dim, bits: bits)
        table.withLock { $0[key] = made }
        return made
    }
}
