/// A fixed-size array of `Double` whose first element starts on a 64-byte boundary (a cache line), with
/// value semantics (copy on write).
///
/// `[Double]` keeps its elements 32 bytes into a `malloc` block, so they start 16 or 48 bytes past a cache
/// line: every 32-byte AVX2 load of a row is then misaligned and half of them straddle two lines. The
/// products (Q·Kᵀ, S·r, Sᵀ·z, P·V) run measurably faster on aligned rows; ``Matrix`` keeps its values
/// here so that a row of a multiple of 8 values always starts on a line. The values, and so every
/// computed number, are the same as with an array.
public struct AlignedDoubles: RandomAccessCollection, MutableCollection, Sendable, Equatable,
    CustomStringConvertible
{
    /// The owner of one aligned allocation.
    @usableFromInline
    final class Buffer: @unchecked Sendable {
        @usableFromInline let base: UnsafeMutablePointer<Double>
        @usableFromInline let count: Int
        /// The allocation: a plain one, `alignment` bytes longer than the values, which start at its first
        /// 64-byte boundary. (An aligned allocation through the runtime, i.e. `posix_memalign`, raised the peak
        /// memory of `kvlab run` by 13–15 MB on 300 standard trials and by 37 MB on the paper sweep, with 2 jobs.)
        let allocation: UnsafeMutableRawPointer

        /// Uninitialised room for `count` values (`Double` needs no initialisation to be written).
        @usableFromInline
        init(count: Int) {
            self.count = count
            let bytes = Swift.max(count, 1) * MemoryLayout<Double>.stride
            allocation = UnsafeMutableRawPointer.allocate(
                byteCount: bytes + AlignedDoubles.alignment, alignment: MemoryLayout<Double>.alignment)
            let address = Int(bitPattern: allocation)
            let offset = (AlignedDoubles.alignment - address % AlignedDoubles.alignment) % AlignedDoubles.alignment
            base = (allocation + offset).bindMemory(to: Double.self, capacity: Swift.max(count, 1))
        }

        deinit { allocation.deallocate() }
    }

    /// The alignment of the first element, in bytes.
    public static let alignment = 64

    @usableFromInline var buffer: Buffer

    /// `count` copies of `value`.
    public init(repeating value: Double, count: Int) {
        precondition(count >= 0, "negative count")
        buffer = Buffer(count: count)
        buffer.base.initialize(repeating: value, count: count)
    }

    /// `count` values that `fill` writes, given a pointer to them: they are not initialised first, so
    /// `fill` must write every one.
    public init(count: Int, filling fill: (UnsafeMutablePointer<Double>) throws -> Void) rethrows {
        precondition(count >= 0, "negative count")
        buffer = Buffer(count: count)
        try fill(buffer.base)
    }

    /// A copy of `values`.
    public init<S: Sequence>(_ values: S) where S.Element == Double {
        let copy = values.withContiguousStorageIfAvailable { source in
            AlignedDoubles(count: source.count) {
                if let s = source.baseAddress { $0.initialize(from: s, count: source.count) }
            }
        }
        self = copy ?? AlignedDoubles(Array(values))
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { buffer.count }
    public var count: Int { buffer.count }

    @inlinable
    public subscript(i: Int) -> Double {
        get {
            precondition(i >= 0 && i < buffer.count, "index out of range")
            return buffer.base[i]
        }
        set {
            precondition(i >= 0 && i < buffer.count, "index out of range")
            makeUnique()
            buffer.base[i] = newValue
        }
    }

    /// Calls `body` with the values (valid only during the call).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try withExtendedLifetime(buffer) { try body(UnsafeBufferPointer(start: buffer.base, count: buffer.count)) }
    }

    /// The values are always contiguous: calls `body` with them (so `Array(_:)` and similar copy in one go).
    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows
        -> R?
    {
        try withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the values to modify in place (valid only during the call).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(buffer) {
            var values = UnsafeMutableBufferPointer(start: buffer.base, count: buffer.count)
            return try body(&values)
        }
    }

    /// Copies the values before a write when another value shares them.
    @inlinable
    mutating func makeUnique() {
        if isKnownUniquelyReferenced(&buffer) { return }
        let copy = Buffer(count: buffer.count)
        copy.base.initialize(from: buffer.base, count: buffer.count)
        buffer = copy
    }

    /// Element-wise equality (as for arrays: NaN differs from itself).
    public static func == (lhs: AlignedDoubles, rhs: AlignedDoubles) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public var description: String { Array(self).description }
}
