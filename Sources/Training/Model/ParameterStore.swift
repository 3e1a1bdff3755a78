import Foundation

/// One named tensor inside a flat `Float` buffer: its Hugging Face state-dict key, its shape
/// (PyTorch order, so `nn.Linear` weights are `[out, in]`) and where it starts.
public struct ParameterView: Sendable, Equatable {
    /// The state-dict key, e.g. `bert.encoder.layer.0.attention.self.query.weight`.
    public var name: String
    /// The tensor's shape, outermost first.
    public var shape: [Int]
    /// The index of the tensor's first element in the flat buffer.
    public var offset: Int
    /// The number of elements (the product of `shape`).
    public var count: Int { shape.reduce(1, *) }

    public init(name: String, shape: [Int], offset: Int) {
        self.name = name; self.shape = shape; self.offset = offset
    }
}

/// A list of named views laid end to end, before any memory exists; `ParameterStore` allocates it.
public struct ParameterLayout: Sendable, Equatable {
    /// The views in buffer order.
    public private(set) var views: [ParameterView] = []
    /// The total number of floats.
    public private(set) var count = 0

    public init() {}

    /// Appends a view named `name` of the given shape and returns its offset.
    @discardableResult
    public mutating func append(_ name: String, _ shape: [Int]) -> Int {
        let view = ParameterView(name: name, shape: shape, offset: count)
        views.append(view)
        count += view.count
        return view.offset
    }
}

/// One contiguous, zero-initialised `Float` allocation carved into named views (llm.c style).
///
/// The model's parameters, their gradients and the optimizer's moments are each one
/// `ParameterStore` of the same layout, so an optimizer is a single loop over `pointer`.
///
/// `@unchecked Sendable` so it can be built on one thread and handed to the trainer thread: it has
/// no internal synchronisation, and it is safe because exactly one thread uses it at a time.
public final class ParameterStore: @unchecked Sendable {
    /// The views in buffer order.
    public let views: [ParameterView]
    /// The number of floats in the buffer.
    public let count: Int
    /// The start of the buffer; valid for `count` floats while the store lives.
    public let pointer: UnsafeMutablePointer<Float>
    private let indexByName: [String: Int]

    /// Allocates a zeroed buffer for `layout`.
    ///
    /// The zeros come from the system (`ZeroedFloats`), not from writing them: the pages of a
    /// large buffer stay unmapped until written, so the gradients of frozen tensors — never
    /// written under LoRA or freezing — take no memory.
    ///
    /// - Throws: `ModelError` with the size when the system cannot give the memory.
    public init(layout: ParameterLayout) throws(ModelError) {
        views = layout.views
        count = layout.count
        pointer = try ZeroedFloats.allocate(count)
        var index: [String: Int] = [:]
        for (i, view) in views.enumerated() { index[view.name] = i }
        indexByName = index
    }

    deinit { ZeroedFloats.release(pointer) }

    /// The layout this store was made from.
    public var layout: ParameterLayout {
        var layout = ParameterLayout()
        for view in views { layout.append(view.name, view.shape) }
        return layout
    }

    /// The view named `name`, or nil.
    public func view(named name: String) -> ParameterView? {
        indexByName[name].map { views[$0] }
    }

    /// The elements of the tensor named `name`, or nil when there is none.
    public subscript(name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let view = view(named: name) else { return nil }
        return UnsafeMutableBufferPointer(start: pointer + view.offset, count: view.count)
    }

    /// A pointer to the first element of `view`.
    @inlinable
    public func pointer(_ view: ParameterView) -> UnsafeMutablePointer<Float> { pointer + view.offset }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Copies every element from `other`, which must have the same number of floats.
    public func copy(from other: ParameterStore) {
        precondition(other.count == count, "ParameterStore.copy: sizes differ")
        pointer.update(from: other.pointer, count: count)
    }
}

/// Zero-filled float buffers obtained zeroed from the system (`calloc`, which maps fresh pages for
/// large sizes): a page costs memory only once something is written to it. Parameter-sized
/// buffers of which a strategy trains a small part (gradients and AdamW moments under LoRA or
/// freezing) then hold only the part that trains.
enum ZeroedFloats {
    /// `count` zeroed floats (at least one); given back with `release`.
    ///
    /// - Throws: `ModelError` with the size when the system cannot give the memory.
    static func allocate(_ count: Int) throws(ModelError) -> UnsafeMutablePointer<Float> {
        let n = max(1, count)
        guard let raw = calloc(n, MemoryLayout<Float>.stride) else {
            throw ModelError("not enough memory for \(n) floats (\(n / (1_048_576 / MemoryLayout<Float>.stride)) MB); "
                             + "a smaller model, batch or strategy (LoRA, freezing) needs less")
        }
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    /// Gives back a buffer from `allocate`.
    static func release(_ pointer: UnsafeMutablePointer<Float>) { free(pointer) }
}
