/// A fixed-size array of `Double` whose first element starts on a 64-byte boundary (a cache line), with
/// value semantics (copy on write).
///
/// `[Double]` keeps its elements 32 bytes into a `malloc` block, which glibc aligns to 16 bytes only, so they
/// are in general not on a cache line (large arrays start 48 bytes past one): 32-byte AVX2 loads of their rows
/// are then misaligned and some straddle two lines. The
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
    /// `fill` must write every one. (Debug builds fill them with a signalling NaN first, so that a value
    /// left unwritten shows; `QuantizerTests` relies on it.)
    public init(count: Int, filling fill: (UnsafeMutablePointer<Double>) throws -> Void) rethrows {
        precondition(count >= 0, "negative count")
        buffer = Buffer(count: count)
        #if DEBUG
            buffer.base.initialize(repeating: AlignedDoubles.unwritten, count: count)
        #endif
        try fill(buffer.base)
    }

    /// What debug builds put in values that ``init(count:filling:)`` has not written yet: a signalling NaN with
    /// a payload no computation produces.
    static let unwritten = Double(bitPattern: 0x7FF4_DEAD_BEEF_0001)

    /// A copy of `values`.
    public init<C: Collection>(_ values: C) where C.Element == Double {
        let copy = values.withContiguousStorageIfAvailable { source in
            AlignedDoubles(count: source.count) {
                if let s = source.baseAddress { $0.initialize(from: s, count: source.count) }
            }
        }
        self =
            copy
            ?? AlignedDoubles(count: values.count) { out in
                var i = 0
                for v in values {
                    out[i] = v
                    i += 1
                }
                precondition(i == values.count, "collection count changed while copying")
            }
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { buffer.count }
    @inlinable public var count: Int { buffer.count }

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
            defer {
                precondition(
                    values.baseAddress == buffer.base && values.count == buffer.count,
                    "withUnsafeMutableBufferPointer: replacing the buffer is not allowed")
            }
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

    /// Equality as for arrays: the same storage is equal to itself; otherwise element-wise (so a NaN in
    /// two separate storages makes them differ).
    public static func == (lhs: AlignedDoubles, rhs: AlignedDoubles) -> Bool {
        lhs.buffer === rhs.buffer || (lhs.count == rhs.count && lhs.elementsEqual(rhs))
    }

    public var description: String { Array(self).description }
}
