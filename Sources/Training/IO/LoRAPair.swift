/// The two LoRA factors of one module: `A` [r, in] and `B` [out, r]; the module's weight
/// [out, in] gains `scale · B·A`.
public struct LoRAPair: Sendable, Equatable {
    /// The module's dotted path in the model, e.g. `bert.encoder.layer.0.attention.self.query`.
    public var module: String
    public var a: NamedTensor
    public var b: NamedTensor

    public init(module: String, a: NamedTensor, b: NamedTensor) { self.module = module; self.a = a; self.b = b }

    public var rank: Int { a.shape[0] }
    public var inFeatures: Int { a.shape[1] }
    public var outFeatures: Int { b.shape[0] }
    /// The name of the base weight the pair adapts (`<module>.weight`).
    public var weightName: String { module + ".weight" }
}
