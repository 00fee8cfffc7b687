/// kvlab's own reader of NumPy `.npy` files: little-endian float32 (`<f4`) or float16 (`<f2`) arrays in C
/// order, format versions 1.0, 2.0 and 3.0.
///
/// A file is the magic `\x93NUMPY`, the version (2 bytes), the header length (2 bytes little-endian in
/// version 1, 4 bytes in 2 and 3), a Python dict literal `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (2, 16, 8), }` padded with spaces and a newline, then the array's data.
enum DatasetNPY {
    /// The element type, shape and data offset of an array file.
    struct Array3 {
        var dtype: DatasetDType
        var shape: [Int]
        var dataStart: Int
    }

    /// Parses a whole `.npy` file's header and checks its data size.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - path: the file, for messages.
    ///   - name: the tensor it holds, for messages.
    /// - Throws: ``DatasetError/invalidFile(path:tensor:reason:)``.
    static func parse(_ bytes: [UInt8], path: String, name: String) throws(DatasetError) -> Array3 {
        func invalid(_ reason: String) -> DatasetError { .invalidFile(path: path, tensor: name, reason: reason) }
        let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)
        guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else {
            throw invalid(
                bytes.count < 10
                    ? "truncated: \(bytes.count) bytes, not a .npy file" : "not a .npy file (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        var headerLength: Int
        var headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw invalid("truncated: \(bytes.count) bytes") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw invalid("format version \(major).\(bytes[7]) is not supported (1.0, 2.0 or 3.0)")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw invalid(
                "truncated: the header length is \(headerLength) bytes but only \(bytes.count - headerStart) follow")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let dict: [String: PyValue]
        do {
            var parser = PyParser(text: Swift.Array(header.unicodeScalars))
            dict = try parser.dict()
        } catch {
            throw invalid("the header \(trimmed(header)) is not a NumPy header dict: \(error.reason)")
        }
        guard case .string(let descr)? = dict["descr"] else { throw invalid("the header has no 'descr'") }
        let dtype: DatasetDType
        switch descr {
        case "<f4": dtype = .f32
        case "<f2": dtype = .f16
        case ">f4", ">f2": throw invalid("dtype \(descr) is big-endian; save little-endian (<f4 or <f2)")
        default: throw invalid("dtype \(descr) is not supported (<f4 or <f2: float32 or float16)")
        }
        guard case .tuple(let shape)? = dict["shape"] else { throw invalid("the header has no 'shape' tuple") }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw invalid("the header has no 'fortran_order'")
        }
        if fortran, shape.filter({ $0 > 1 }).count > 1 {
            throw invalid("the array is in Fortran order; save it in C order (numpy.ascontiguousarray)")
        }
        var needed = dtype.size
        for dim in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw invalid("the shape \(shape) is too large") }
            needed = product
        }
        let dataStart = headerStart + headerLength
        let held = bytes.count - dataStart
        guard held >= needed else {
            throw invalid(
                "truncated: shape \(shape) of \(descr) needs \(needed) bytes of data but the file holds \(held)")
        }
        guard held == needed else { throw invalid("\(held - needed) bytes after the array's data") }
        return Array3(dtype: dtype, shape: shape, dataStart: dataStart)
    }

    /// A header without its trailing padding (spaces and the newline).
    private static func trimmed(_ header: String) -> String {
        var scalars = Swift.Array(header.unicodeScalars)
        while let last = scalars.last, last == " " || last == "\n" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// A value of the header dict.
    enum PyValue: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    /// A parse error of the header dict.
    struct PyError: Error {
        var reason: String
    }

    /// A parser of the Python literal NumPy writes: `{'key': value, …}` with string, True/False and tuples of
    /// integers as values.
    struct PyParser {
        let text: [Unicode.Scalar]
        var index = 0

        init(text: [Unicode.Scalar]) { self.text = text }

        mutating func skip() {
            while index < text.count, [" ", "\n", "\t", "\r"].contains(text[index]) { index += 1 }
        }

        mutating func take(_ scalar: Unicode.Scalar) -> Bool {
            skip()
            guard index < text.count, text[index] == scalar else { return false }
            index += 1
            return true
        }

        mutating func dict() throws(PyError) -> [String: PyValue] {
            guard take("{") else { throw PyError(reason: "expected '{'") }
            var out: [String: PyValue] = [:]
            while !take("}") {
                let key = try string()
                guard take(":") else { throw PyError(reason: "expected ':' after '\(key)'") }
                guard out.updateValue(try value(), forKey: key) == nil else {
                    throw PyError(reason: "'\(key)' appears twice")
                }
                if take("}") { break }
                guard take(",") else { throw PyError(reason: "expected ',' or '}'") }
            }
            skip()
            guard index == text.count else { throw PyError(reason: "unexpected text after '}'") }
            return out
        }

        mutating func string() throws(PyError) -> String {
            skip()
            guard index < text.count, text[index] == "'" || text[index] == "\"" else {
                throw PyError(reason: "expected a quoted string")
            }
            let quote = text[index]
            index += 1
            var out = String.UnicodeScalarView()
            while index < text.count, text[index] != quote {
                out.append(text[index])
                index += 1
            }
            guard index < text.count else { throw PyError(reason: "unterminated string") }
            index += 1
            return String(out)
        }

        mutating func value() throws(PyError) -> PyValue {
            skip()
            guard index < text.count else { throw PyError(reason: "unexpected end") }
            if text[index] == "'" || text[index] == "\"" { return .string(try string()) }
            if take("(") {
                var dims: [Int] = []
                while !take(")") {
                    skip()
                    var digits = ""
                    while index < text.count, ("0"..."9").contains(text[index]) {
                        digits.unicodeScalars.append(text[index])
                        index += 1
                    }
                    // NumPy 1.x on some platforms writes `16L`; accept the suffix.
                    if index < text.count, text[index] == "L" { index += 1 }
                    guard let dim = Int(digits), dim <= Int(Int32.max) else {
                        throw PyError(reason: "a shape holds something other than a dimension")
                    }
                    dims.append(dim)
                    if take(")") { break }
                    guard take(",") else { throw PyError(reason: "expected ',' or ')' in the shape") }
                }
                return .tuple(dims)
            }
            for (word, value) in [("True", true), ("False", false)] {
                let scalars = Swift.Array(word.unicodeScalars)
                if index + scalars.count <= text.count, Swift.Array(text[index..<(index + scalars.count)]) == scalars {
                    index += scalars.count
                    return .bool(value)
                }
            }
            throw PyError(reason: "unexpected value")
        }
    }
}
