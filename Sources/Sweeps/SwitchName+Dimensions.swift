import Quantization

extension SwitchName {
    /// The columns of `run_means` a result may be grouped by (`kvlab agg --by`, the report's facets): every
    /// switch, and `nu` (the degrees of freedom of a t distribution).
    public static var dimensions: [String] { SwitchRegistry.groupingDimensions }
}
