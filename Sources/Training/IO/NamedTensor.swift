/// A tensor with its checkpoint name, row-major shape and values, for reading and writing
/// checkpoints and adapters.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name; self.shape = shape; self.values = values
    }

    /// The number of elements the shape holds (1 for a scalar's empty shape).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A tensor to write straight from memory the caller owns (e.g. a view into the flat parameter
/// buffer): no copy is made. The buffers must stay valid for the duration of the write.
public struct TensorView {
    public var name: String
    public var shape: [Int]
    /// The values in order, in one or more pieces: a tensor gathered from ranges of a buffer (the
    /// optimizer's moments of the trained ranges) is written without being copied together.
    public var pieces: [UnsafeBufferPointer<Float>]

    /// A tensor whose values lie in one buffer.
    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        self.name = name; self.shape = shape; self.pieces = [values]
    }

    /// A tensor whose values are `pieces`, one after the other.
    public init(name: String, shape: [Int], pieces: [UnsafeBufferPointer<Float>]) {
        self.name = name; self.shape = shape; self.pieces = pieces
    }

    /// The number of values over all pieces.
    public var count: Int { pieces.reduce(0) { $0 + $1.count } }

    /// The values copied into one array.
    public var values: [Float] { pieces.flatMap { Array($0) } }
}
