/// Real language models run in Swift: the GGUF reader, the tokenizer and the Llama-family forward pass.
///
/// This module reads files (model weights), so it sits beside ExperimentStore, not inside the pure engine;
/// its Float32 matrix kernels live in the engine's kernel module (Quantization).
public enum Models {}
