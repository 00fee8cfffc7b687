import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// Malformed files: each is refused with the right error, never a crash.
@Suite struct GGUFErrorTests {
    /// A small valid file: two metadata entries and two F32 tensors named "a" ([4, 2]) and "b" ([8]).
    static func sample(version: UInt32 = 3) -> GGUFWriter {
        var w = GGUFWriter(version: version)
        w.set("general.architecture", .string("llama"))
        w.set("list", .array([.string("x"), .string("y")]))
        w.addTensor("a", dimensions: [4, 2], values: (0..<8).map(Float.init))
        w.addTensor("b", dimensions: [8], values: (0..<8).map { Float($0) / 2 })
        return w
    }

    /// Opens bytes written to a temporary file.
    static func open(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
        let dir: TemporaryDirectory
        do {
            dir = try TemporaryDirectory()
            try Data(bytes).write(to: dir.url.appendingPathComponent("x.gguf"))
        } catch {
            fatalError("cannot write a test file: \(error)")
        }
        return try GGUFFile(contentsOf: dir.url.appendingPathComponent("x.gguf"))
    }

    /// Overwrites a little-endian integer at an offset.
    static func patch<T: FixedWidthInteger>(_ bytes: inout [UInt8], at offset: Int, _ value: T) {
        var le: [UInt8] = []
        GGUFWriter.append(value, to: &le)
        bytes.replaceSubrange(offset..<offset + le.count, with: le)
    }

    /// The offset of tensor `index`'s type field in an encoded file (after name, dimension count, dims).
    static func typeOffset(_ w: GGUFWriter, _ index: Int) -> Int {
        let t = w.tensors[index]
        return w.encoded().layout.tensorInfoStarts[index] + 8 + t.name.utf8.count + 4 + 8 * t.dimensions.count
    }

    @Test func sampleIsValid() throws {
        let file = try Self.open(Self.sample().bytes())
        #expect(file.tensors.count == 2)
        #expect(try file.dequantize(file.tensors[1]) == (0..<8).map { Float($0) / 2 })
    }

    @Test func badMagic() {
        var bytes = Self.sample().bytes()
        bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        #expect(throws: GGUFError.notGGUF(found: Array(bytes.prefix(8)))) { try Self.open(bytes) }
        #expect(throws: GGUFError.notGGUF(found: Array("hi".utf8))) { try Self.open(Array("hi".utf8)) }
        #expect(throws: GGUFError.notGGUF(found: [])) { try Self.open([]) }
        #expect(GGUFError.notGGUF(found: []).description.contains("the file is empty"))
        let text = "SQLite format 3\0"
        #expect((GGUFError.notGGUF(found: Array(text.utf8.prefix(8)))).description.contains("53 51 4c 69"))
    }

    @Test func versionOneAndFutureVersionsAreRefused() {
        var bytes = Self.sample().bytes()
        Self.patch(&bytes, at: 4, UInt32(1))
        #expect(throws: GGUFError.unsupportedVersion(1)) { try Self.open(bytes) }
        #expect(GGUFError.unsupportedVersion(1).description.contains("convert the model again"))
        Self.patch(&bytes, at: 4, UInt32(4))
        #expect(throws: GGUFError.unsupportedVersion(4)) { try Self.open(bytes) }
    }

    @Test func versionTwoReads() throws {
        let file = try Self.open(Self.sample(version: 2).bytes())
        #expect(file.version == 2)
        #expect(try file.dequantize(file.tensors[0]) == (0..<8).map(Float.init))
    }

    @Test func truncatedInHeader() {
        let bytes = Array(Self.sample().bytes().prefix(10))
        #expect(throws: GGUFError.truncated(what: "the tensor count", offset: 8, needed: 8, available: 2)) {
            try Self.open(bytes)
        }
    }

    @Test func truncatedInMetadata() {
        let w = Self.sample()
        let start = w.encoded().layout.metadataStart
        // Cut in the first key's value type (key: u64 length 20 + "general.architecture").
        let cut = start + 8 + 20 + 2
        #expect(
            throws: GGUFError.truncated(
                what: "the value type of metadata key \"general.architecture\"", offset: cut - 2, needed: 4,
                available: 2)
        ) { try Self.open(Array(w.bytes().prefix(cut))) }
    }

    @Test func truncatedInTensorInfos() {
        // A long first name, so that the bytes left still look enough for two tensor infos (32 bytes each at
        // least); with fewer, the tensor count itself is refused as more than the rest of the file can hold.
        var w = GGUFWriter()
        w.addTensor(String(repeating: "x", count: 100), dimensions: [1], values: [1])
        w.addTensor("b", dimensions: [1], values: [2])
        // Cut in tensor "b"'s dimension count: after its name (u64 length + "b"), 1 byte of the count.
        let cut = w.encoded().layout.tensorInfoStarts[1] + 9 + 1
        #expect(
            throws: GGUFError.truncated(
                what: "the dimension count of tensor \"b\"", offset: cut - 1, needed: 4, available: 1)
        ) { try Self.open(Array(w.bytes().prefix(cut))) }
        let short = Self.sample().encoded()
        #expect(
            throws: GGUFError.implausibleCount(what: "the tensor count", count: 2, offset: 8, limit: 1)
        ) { try Self.open(Array(short.bytes.prefix(short.layout.tensorInfoStarts[1] + 10))) }
    }

    @Test func truncatedInData() {
        let w = Self.sample()
        let (bytes, layout) = w.encoded()
        // Cut in the middle of tensor "b"'s 32 bytes.
        let cut = layout.tensorOffsets[1] + 10
        let relative = UInt64(layout.tensorOffsets[1] - layout.dataStart)
        #expect(
            throws: GGUFError.tensorDataPastEnd(
                tensor: "b", offset: relative, byteCount: 32, available: cut - layout.dataStart)
        ) { try Self.open(Array(bytes.prefix(cut))) }
    }

    @Test func tensorOffsetPastEndOfFile() {
        let w = Self.sample()
        var bytes = w.bytes()
        let offsetField = Self.typeOffset(w, 0) + 4
        Self.patch(&bytes, at: offsetField, UInt64(1 << 40))
        let dataStart = w.encoded().layout.dataStart
        #expect(
            throws: GGUFError.tensorDataPastEnd(
                tensor: "a", offset: 1 << 40, byteCount: 32, available: bytes.count - dataStart)
        ) { try Self.open(bytes) }
        // An offset near 2^64 must not wrap around to a small address.
        Self.patch(&bytes, at: offsetField, UInt64.max - 31)
        let error = GGUFError.tensorDataPastEnd(
            tensor: "a", offset: UInt64.max - 31, byteCount: 32, available: bytes.count - dataStart)
        #expect(throws: error) { try Self.open(bytes) }
        #expect(error.description.contains("from byte 18446744073709551584 on"))
    }

    @Test func misalignedTensorOffset() {
        let w = Self.sample()
        var bytes = w.bytes()
        Self.patch(&bytes, at: Self.typeOffset(w, 1) + 4, UInt64(33))
        #expect(throws: GGUFError.misalignedTensor(tensor: "b", offset: 33, alignment: 32)) { try Self.open(bytes) }
    }

    @Test func unknownTensorType() {
        let w = Self.sample()
        var bytes = w.bytes()
        Self.patch(&bytes, at: Self.typeOffset(w, 1), UInt32(99))
        #expect(throws: GGUFError.unknownTensorType(tensor: "b", type: 99)) { try Self.open(bytes) }
        #expect(GGUFError.unknownTensorType(tensor: "b", type: 99).description.contains("tensor \"b\" has type id 99"))
    }

    @Test func knownTypeWithoutDequantizer() throws {
        var w = GGUFWriter()
        w.addTensor("blk.0.q5", dimensions: [32], type: .q5_0, data: [UInt8](repeating: 0, count: 22))
        let file = try Self.open(w.bytes())
        #expect(throws: GGUFError.unsupportedTensorType(tensor: "blk.0.q5", type: "Q5_0")) {
            try file.dequantize(file.tensors[0])
        }
    }

    @Test func absurdStringLength() {
        let w = Self.sample()
        var bytes = w.bytes()
        let start = w.encoded().layout.metadataStart
        Self.patch(&bytes, at: start, UInt64.max - 7)
        #expect(
            throws: GGUFError.implausibleCount(
                what: "the length of metadata key #0", count: UInt64.max - 7, offset: start,
                limit: bytes.count - start - 8)
        ) { try Self.open(bytes) }
    }

    @Test func absurdCounts() {
        var bytes = Self.sample().bytes()
        Self.patch(&bytes, at: 8, UInt64(1) << 60)
        #expect(throws: GGUFError.self) { try Self.open(bytes) }
        do {
            _ = try Self.open(bytes)
        } catch {
            guard case .implausibleCount(let what, let count, let offset, _) = error else {
                Issue.record("wrong error: \(error)")
                return
            }
            #expect(what == "the tensor count" && count == 1 << 60 && offset == 8)
        }
        // The array of two strings claims 2^40 elements.
        let w = Self.sample()
        bytes = w.bytes()
        let arrayCount = w.encoded().layout.metadataStart + (8 + 20 + 4 + 8 + 5) + (8 + 4) + 4 + 4
        Self.patch(&bytes, at: arrayCount, UInt64(1) << 40)
        #expect(throws: GGUFError.self) { try Self.open(bytes) }
    }

    @Test func dimensionsThatOverflow() {
        var w = GGUFWriter()
        w.addTensor("huge", dimensions: [1 << 32, 1 << 32], type: .f32, data: [])
        #expect(
            throws: GGUFError.invalidTensorShape(
                tensor: "huge", dimensions: [1 << 32, 1 << 32], reason: "the element count overflows")
        ) { try Self.open(w.bytes()) }
        var big = GGUFWriter()
        big.addTensor("big", dimensions: [1 << 40, 1 << 20], type: .f32, data: [])
        #expect(throws: GGUFError.self) { try Self.open(big.bytes()) }
        var five = GGUFWriter()
        five.addTensor("five", dimensions: [1, 1, 1, 1, 1], type: .f32, data: [0, 0, 0, 0])
        #expect(throws: GGUFError.tooManyDimensions(tensor: "five", count: 5)) { try Self.open(five.bytes()) }
    }

    @Test func rowsNotWholeBlocks() {
        var w = GGUFWriter()
        w.addTensor("q", dimensions: [16, 2], type: .q8_0, data: [UInt8](repeating: 0, count: 34))
        #expect(
            throws: GGUFError.invalidTensorShape(
                tensor: "q", dimensions: [16, 2], reason: "rows of 16 elements are not whole Q8_0 blocks of 32")
        ) { try Self.open(w.bytes()) }
    }

    @Test func badMetadata() {
        var dup = GGUFWriter()
        dup.set("k", .uint8(1))
        dup.set("k", .uint8(2))
        #expect(throws: GGUFError.duplicateKey("k")) { try Self.open(dup.bytes()) }

        var align = GGUFWriter()
        align.set("general.alignment", .uint32(24))
        #expect(throws: GGUFError.invalidAlignment("24")) { try Self.open(align.bytes()) }
        var zero = GGUFWriter()
        zero.set("general.alignment", .uint32(0))
        #expect(throws: GGUFError.invalidAlignment("0")) { try Self.open(zero.bytes()) }

        var type = GGUFWriter()
        type.set("k", .uint8(1))
        var bytes = type.bytes()
        let typeField = type.encoded().layout.metadataStart + 8 + 1
        Self.patch(&bytes, at: typeField, UInt32(13))
        #expect(throws: GGUFError.unknownValueType(key: "k", type: 13, offset: typeField)) { try Self.open(bytes) }

        var utf8 = GGUFWriter()
        utf8.set("k", .string("ab"))
        bytes = utf8.bytes()
        bytes[utf8.encoded().layout.metadataStart + 8 + 1 + 4 + 8] = 0xFF
        #expect(
            throws: GGUFError.invalidUTF8(
                what: "the value of \"k\"", offset: utf8.encoded().layout.metadataStart + 8 + 1 + 4 + 8)
        ) { try Self.open(bytes) }

        var boolean = GGUFWriter()
        boolean.set("flag", .bool(true))
        bytes = boolean.bytes()
        bytes[boolean.encoded().layout.metadataStart + 8 + 4 + 4] = 2
        #expect(throws: GGUFError.self) { try Self.open(bytes) }
    }

    @Test func nestingTooDeep() {
        var value = GGUFValue.array([.uint8(1)])
        for _ in 0..<GGUFFile.maxArrayNesting { value = .array([value]) }
        var w = GGUFWriter()
        w.set("deep", value)
        #expect(throws: GGUFError.self) { try Self.open(w.bytes()) }
        do {
            _ = try Self.open(w.bytes())
        } catch {
            guard case .nestingTooDeep(let key, _, let limit) = error else {
                Issue.record("wrong error: \(error)")
                return
            }
            #expect(key == "deep" && limit == GGUFFile.maxArrayNesting)
        }
    }

    @Test func duplicateTensor() {
        var w = GGUFWriter()
        w.addTensor("t", dimensions: [1], values: [1])
        w.addTensor("t", dimensions: [1], values: [2])
        #expect(throws: GGUFError.duplicateTensor("t")) { try Self.open(w.bytes()) }
    }

    @Test func notAFile() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: GGUFError.cannotOpen(path: dir.url.path, reason: "not a regular file")) {
            try GGUFFile(contentsOf: dir.url)
        }
        let missing = dir.url.appendingPathComponent("missing.gguf")
        #expect(throws: GGUFError.cannotOpen(path: missing.path, reason: "No such file or directory")) {
            try GGUFFile(contentsOf: missing)
        }
    }

    /// Every prefix of a valid file, and every single-byte change of its header and directory, is either
    /// read or refused with a GGUFError; prefixes that cut into tensor data are always refused.
    @Test func everyPrefixAndByteFlipIsHandled() throws {
        let w = Self.sample()
        let (bytes, layout) = w.encoded()
        let lastDataEnd = layout.tensorOffsets[1] + 32
        for n in 0..<bytes.count {
            do {
                _ = try Self.open(Array(bytes.prefix(n)))
                #expect(n >= lastDataEnd, "a prefix of \(n) bytes was accepted")
            } catch {
                #expect(n < lastDataEnd, "a prefix of \(n) bytes was refused: \(error)")
            }
        }
        for i in 0..<layout.dataStart {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var changed = bytes
                changed[i] ^= flip
                if let file = try? Self.open(changed) {
                    for t in file.tensors where t.type.canDequantize { _ = try? file.dequantize(t) }
                }
            }
        }
    }
}
