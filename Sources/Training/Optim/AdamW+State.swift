/// Saving and restoring AdamW's state (both moments and the step count) for exact resume.
///
/// The state is a safetensors file with two F32 tensors of the layout's length, `exp_avg` (m) and
/// `exp_avg_sq` (v), and `__metadata__` holding `step` and `count`. Moments go straight from and to
/// the caller's buffers; the write is atomic.
extension AdamW {
    public static let firstMomentName = "exp_avg"
    public static let secondMomentName = "exp_avg_sq"

    /// Writes the moments and step count to `path`.
    public func saveState(to path: String, firstMoment: UnsafePointer<Float>, secondMoment: UnsafePointer<Float>) throws {
        let n = layout.count
        try SafeTensorsWriter.write([
            TensorView(name: Self.firstMomentName, shape: [n], values: UnsafeBufferPointer(start: firstMoment, count: n)),
            TensorView(name: Self.secondMomentName, shape: [n], values: UnsafeBufferPointer(start: secondMoment, count: n)),
        ], metadata: ["step": String(stepCount), "count": String(n)], to: path)
    }

    /// Reads moments into the caller's buffers and restores the step count.
    ///
    /// - Throws: `CheckpointError` when the file is malformed, lacks a moment or the step, or was
    ///   written for a layout of another length.
    public mutating func loadState(from path: String, firstMoment: UnsafeMutablePointer<Float>,
                                   secondMoment: UnsafeMutablePointer<Float>) throws {
        let file = try SafeTensorsFile(path: path)
        guard let text = file.metadata["step"], let step = Int(text), step >= 0 else {
            throw CheckpointError(file: path, "__metadata__ has no valid \"step\" (found \(file.metadata["step"] ?? "nothing"))")
        }
        let n = layout.count
        try file.read(Self.firstMomentName, shape: [n], into: UnsafeMutableBufferPointer(start: firstMoment, count: n))
        try file.read(Self.secondMomentName, shape: [n], into: UnsafeMutableBufferPointer(start: secondMoment, count: n))
        stepCount = step
    }
}
