/// One layer's attention inputs for a block of positions, as the forward pass computed them: queries and
/// keys after RoPE, all in Hugging Face order (within a head, dimension i pairs with i + headDim/2 under
/// RoPE), keys and values before any cache transform.
public struct LlamaLayerActivations: Sendable {
    /// The layer index.
    public let layer: Int
    /// The positions of the rows (the tokens run in this call).
    public let positions: Range<Int>
    /// Per query head, `positions.count × headDim` values, row-major (row t = position
    /// positions.lowerBound + t).
    public let queries: [[Float]]
    /// Per KV head, `positions.count × headDim` values, row-major.
    public let keys: [[Float]]
    /// Per KV head, `positions.count × headDim` values, row-major.
    public let values: [[Float]]
}

/// The keys and values one layer is about to append to the KV cache, which a cache transform may
/// replace (for example with their quantized reconstruction); attention reads what the transform leaves.
public struct LlamaCacheBlock: Sendable {
    /// The layer index.
    public let layer: Int
    /// The positions of the rows.
    public let positions: Range<Int>
    /// Per KV head, `positions.count × headDim` values, row-major, after RoPE, Hugging Face order.
    public var keys: [[Float]]
    /// Per KV head, `positions.count × headDim` values, row-major.
    public var values: [[Float]]
}

/// Optional callbacks into the forward pass; both run on the calling thread, once per layer per call,
/// in layer order.
public struct LlamaHooks {
    /// Receives every layer's queries, keys and values (for capture).
    public var observe: ((LlamaLayerActivations) throws -> Void)?
    /// May replace every layer's new keys and values before attention reads them; it must keep their
    /// shapes (the forward pass throws ``LlamaError/transformChangedShape(layer:)`` otherwise).
    public var transformCache: ((inout LlamaCacheBlock) throws -> Void)?

    /// Creates hooks; both are optional.
    public init(
        observe: ((LlamaLayerActivations) throws -> Void)? = nil,
        transformCache: ((inout LlamaCacheBlock) throws -> Void)? = nil
    ) {
        self.observe = observe
        self.transformCache = transformCache
    }
}

/// The keys and values of the positions a model has run, per layer and KV head, for incremental
/// decoding. Make one with ``LlamaModel/makeCache(capacity:)``; ``LlamaModel/forward(tokens:cache:threads:hooks:logits:)``
/// appends to it.
public final class LlamaKVCache {
    /// The number of positions it can hold.
    public let capacity: Int
    /// The number of positions it holds (the position of the next token).
    public internal(set) var count = 0
    let dimensions: LlamaDimensions
    /// Keys: layer l, KV head g, position p at ((l·kvHeads + g)·capacity + p)·headDim.
    var keys: [Float]
    /// Values, transposed so that attention's weighted sum is a dot product: layer l, KV head g,
    /// dimension c, position p at ((l·kvHeads + g)·headDim + c)·capacity + p.
    var values: [Float]

    init(dimensions: LlamaDimensions, capacity: Int) {
        self.dimensions = dimensions
        self.capacity = capacity
        let size = dimensions.layers * dimensions.kvHeads * capacity * dimensions.headDim
        keys = [Float](repeating: 0, count: size)
        values = [Float](repeating: 0, count: size)
    }

    /// Forgets every position (the storage is kept).
    public func reset() { count = 0 }
}
