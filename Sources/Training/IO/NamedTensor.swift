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
/// buffer): no copy is made. The buffer must stay valid for the duration of the write.
public struct TensorView {
    public var name: String
    public var shape: [Int]
    public var values: UnsafeBufferPointer<Float>

    public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        self.name = name; self.shape = shape; self.values = values
    }
}
