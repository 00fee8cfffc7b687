/// A dense row-major matrix of `Double` (rows = vectors: tokens or queries; cols = coordinates).
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// Row-major storage, `rows × cols` values.
    public var storage: [Double]

    /// A zero matrix.
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        storage = Array(repeating: 0, count: rows * cols)
    }

    /// A matrix whose values `fill` writes, given a pointer to the rows × cols values: they are not zeroed
    /// first, so `fill` must write every one.
    init(rows: Int, cols: Int, filling fill: (UnsafeMutablePointer<Double>) -> Void) {
        self.rows = rows
        self.cols = cols
        storage = [Double](unsafeUninitializedCapacity: rows * cols) { buffer, count in
            if let base = buffer.baseAddress { fill(base) }
            count = rows * cols
        }
    }

    /// A matrix over existing row-major values.
    ///
    /// - Precondition: `storage.count == rows * cols`.
    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "matrix storage size mismatch")
        self.rows = rows
        self.cols = cols
        self.storage = storage
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
