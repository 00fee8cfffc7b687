/// A dense row-major matrix of `Double` (rows = vectors: tokens or queries; cols = coordinates).
///
/// The values start on a 64-byte boundary (``AlignedDoubles``), so every row of a multiple of 8 values
/// does too.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Row-major storage, `rows × cols` values.
    public var storage: AlignedDoubles

    /// A zero matrix.
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        storage = AlignedDoubles(repeating: 0, count: rows * cols)
    }

    /// A matrix whose values `fill` writes, given a pointer to the rows × cols values: they are not zeroed
    /// first, so `fill` must write every one.
    init(rows: Int, cols: Int, filling fill: (UnsafeMutablePointer<Double>) -> Void) {
        self.rows = rows
        self.cols = cols
        storage = AlignedDoubles(count: rows * cols, filling: fill)
    }

    /// A matrix over a copy of existing row-major values.
    ///
    /// - Precondition: `storage.count == rows * cols`.
    public init<S: Collection>(rows: Int, cols: Int, storage: S) where S.Element == Double {
        precondition(storage.count == rows * cols, "matrix storage size mismatch")
        self.rows = rows
        self.cols = cols
        self.storage = storage as? AlignedDoubles ?? AlignedDoubles(storage)
    }

    /// Element (i, j).
    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    /// A copy of row i.
    public func row(_ i: Int) -> [Double] {
        Array(storage[(i * cols)..<((i + 1) * cols)])
    }
}
