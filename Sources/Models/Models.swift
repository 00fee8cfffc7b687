/// Real language models run in Swift: the GGUF reader, the tokenizer and the Llama-family forward pass.
///
/// This module reads files (model weights), so it sits beside ExperimentStore, not inside the pure engine;
/// its Float32 matrix kernels live in the engine's kernel module (Quantization).
public enum Models {}

extension Models {
    /// Bumped only when a change alters the numbers the forward pass produces (logits, captured tensors):
    /// model-level runs are keyed by it beside the engine version, and a test pins the tiny model's logits
    /// to it. Captured datasets are immutable data and keep their content hash whatever it becomes.
    ///
    /// - 1: Float32 kernels with four fixed partial sums per dot product (`FloatKernels`), Q/K rows
    ///   un-permuted to rotate-half RoPE at load, RoPE angles in Double, `FloatKernels.exp` for the
    ///   softmax, RMSNorm sums in Double, log-softmax of the logits in Double.
    public static let forwardVersion = 1
}
