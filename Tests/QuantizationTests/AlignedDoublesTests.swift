import Testing

@testable import Quantization

/// The aligned value storage of ``Matrix``: where its values start, and that it behaves as a value.
@Suite("Aligned storage")
struct AlignedDoublesTests {
    static func address(_ values: AlignedDoubles) -> Int {
        values.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
    }

    @Test("every storage starts on a 64-byte boundary, whatever its size or how it was made")
    func alignment() {
        for count in [0, 1, 3, 7, 8, 100, 1000, 4096, 65_536, 131_072, 1_048_576] {
            let made: [AlignedDoubles] = [
                AlignedDoubles(repeating: 1, count: count),
                AlignedDoubles(count: count) { $0.update(repeating: 2, count: count) },
                AlignedDoubles((0..<count).map(Double.init)),
                Matrix(rows: 1, cols: count).storage,
                Matrix(rows: count, cols: 1, storage: [Double](repeating: 3, count: count)).storage,
            ]
            for values in made {
                #expect(Self.address(values) % AlignedDoubles.alignment == 0, "count \(count)")
                #expect(values.count == count)
            }
        }
    }

    @Test("a copy is independent: writing to one leaves the other as it was (copy on write)")
    func valueSemantics() {
        let original = AlignedDoubles([1, 2, 3, 4])
        var copy = original
        #expect(Self.address(copy) == Self.address(original))  // shared until a write
        copy[2] = 30
        #expect(Array(original) == [1, 2, 3, 4])
        #expect(Array(copy) == [1, 2, 30, 4])
        #expect(Self.address(copy) % AlignedDoubles.alignment == 0)
        var other = original
        other.withUnsafeMutableBufferPointer { $0[0] = -1 }
        #expect(Array(original) == [1, 2, 3, 4] && Array(other) == [-1, 2, 3, 4])
        var unique = AlignedDoubles([5, 6])
        let before = Self.address(unique)
        unique[0] = 7  // not shared: written in place
        #expect(Self.address(unique) == before && Array(unique) == [7, 6])
    }

    @Test("equality is as for arrays: element-wise (NaN differs from itself), and the same storage equals itself")
    func equality() {
        #expect(AlignedDoubles([1, 2]) == AlignedDoubles([1, 2]))
        #expect(AlignedDoubles([1, 2]) != AlignedDoubles([1, 3]))
        #expect(AlignedDoubles([1, 2]) != AlignedDoubles([1, 2, 0]))
        #expect(AlignedDoubles([0.0]) == AlignedDoubles([-0.0]))
        let nan = AlignedDoubles([.nan])
        let array = [Double.nan]
        #expect(nan == nan && array == array)  // one storage
        #expect(nan != AlignedDoubles([.nan]) && array != [Double.nan])  // two storages
        #expect(
            Matrix(rows: 1, cols: 2, storage: [1, 2]) == Matrix(rows: 1, cols: 2, storage: AlignedDoubles([1, 2])))
    }
}
