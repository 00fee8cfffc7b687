import ArgumentParser
import ExperimentStore
import Quantization

/// `kvlab codebook`: design and print a Lloyd–Max codebook.
struct CodebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codebook",
        abstract: "Print the Lloyd–Max codebook of one sphere coordinate (unit-vector scale).",
        discussion: """
            Centroids and thresholds are on the unit-vector scale; mse is D = E‖x − x̂‖² for a unit x \
            (d × the per-coordinate MSE).
            Example: kvlab codebook --dim 64 --bits 1 --format json
            """
    )

    @Option(help: "Dimension d: a power of two in 16…4096.")
    var dim: Int = 128

    @Option(help: "Bits per coordinate b in 1…8.")
    var bits: Int = 4

    @Option(help: "Law the codebook is optimal for: beta (exact sphere marginal) or gaussian (N(0,1/d)).")
    var law: CodebookLaw = .beta

    @Option(help: "Output format: table or json.")
    var format: CodebookFormat = .table

    func validate() throws {
        guard (1...8).contains(bits) else { throw ValidationError("--bits: \(bits) is out of range 1…8") }
        guard dim >= 16, dim <= 4096, dim & (dim - 1) == 0 else {
            throw ValidationError("--dim: \(dim) is not a power of two in 16…4096")
        }
    }

    func run() throws {
        let cb = Codebook(law: law, dim: dim, bits: bits)
        switch format {
        case .json:
            let object: JSONValue = .object([
                ("law", .string(law.rawValue)),
                ("dim", .int(dim)),
                ("bits", .int(bits)),
                ("centroids", .array(cb.centroids.map { .double($0) })),
                ("thresholds", .array(cb.thresholds.map { .double($0) })),
                ("mse", .double(cb.mse)),
            ])
            print(object.rendered(pretty: true))
        case .table:
            print("law=\(law.rawValue) dim=\(dim) bits=\(bits) mse(D)=\(cb.mse)")
            print("index\tcentroid\tupper_threshold")
            for (i, c) in cb.centroids.enumerated() {
                let t = i < cb.thresholds.count ? "\(cb.thresholds[i])" : "+inf"
                print("\(i)\t\(c)\t\(t)")
            }
        }
    }
}

/// Output formats of `kvlab codebook` and `kvlab trial`.
enum CodebookFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

extension CodebookLaw: ExpressibleByArgument {}
