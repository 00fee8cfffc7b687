import Testing

@testable import Quantization

/// The `layers` switch's value (issue 17): a layer list parsed and normalised to one spelling per set,
/// which is what configs store and hash.
@Suite("LayerSelection")
struct LayerSelectionTests {
    @Test(
        "parses and normalises: increasing, merged ranges, a single layer without a dash",
        arguments: [
            ("3,0-1,2", "0-3", [0, 1, 2, 3]),
            ("5", "5", [5]),
            ("0", "0", [0]),
            ("0-9", "0-9", Array(0...9)),
            ("0,4-7", "0,4-7", [0, 4, 5, 6, 7]),
            ("7,5", "5,7", [5, 7]),
            ("2-2", "2", [2]),
            ("0,0,1", "0-1", [0, 1]),
            ("4-6,5-8", "4-8", [4, 5, 6, 7, 8]),
            ("1-2,3-4", "1-4", [1, 2, 3, 4]),
            ("9,1,3-4", "1,3-4,9", [1, 3, 4, 9]),
            (" 1 - 2 , 4 ", "1-2,4", [1, 2, 4]),
            ("29", "29", [29]),
        ])
    func normalises(text: String, normalised: String, layers: [Int]) throws {
        let selection = try #require(LayerSelection(parsing: text))
        #expect(selection.description == normalised)
        #expect(selection.layers == layers)
        // The normalised spelling is a fixed point.
        #expect(LayerSelection(parsing: normalised) == selection)
        #expect(LayerSelection(parsing: normalised)?.description == normalised)
    }

    @Test(
        "refuses descending ranges, empty parts, negatives and anything but digits",
        arguments: [
            "1-0", "", "a", "-1", ",", "1,", ",1", "1,,2", "1--2", "1-2-3", "-", "1-", "0-a", "1.5", "1 2", "0x1",
            "٣", "1048576", "0-1048576",
        ])
    func refuses(text: String) {
        #expect(LayerSelection(parsing: text) == nil, "\(text)")
    }

    @Test("isAll(of:) is true exactly for 0…count−1")
    func isAll() throws {
        #expect(try #require(LayerSelection(parsing: "0-1")).isAll(of: 2))
        #expect(try #require(LayerSelection(parsing: "1,0")).isAll(of: 2))
        #expect(!(try #require(LayerSelection(parsing: "0-1")).isAll(of: 3)))
        #expect(!(try #require(LayerSelection(parsing: "1")).isAll(of: 2)))
        #expect(!(try #require(LayerSelection(parsing: "0-2")).isAll(of: 2)))
        #expect(LayerSelection([3, 1, 1, 2]).description == "1-3")
    }
}
