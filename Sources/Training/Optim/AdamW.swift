import CKernels
import Foundation

/// AdamW over flat buffers, exactly as `torch.optim.AdamW` (the optimizer Hugging Face's Trainer
/// uses): decoupled weight decay, bias-corrected moments, epsilon added to `sqrt(v̂)`.
///
/// For every trainable element, at step `t` (counting from 1) with learning rate `lr`:
///
///     p ← p · (1 − lr·wd)                      (only in decay segments)
///     m ← m + (1 − β1)·(g − m)
///     v ← β2·v + (1 − β2)·g²
///     p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + ε)
///
/// Parameters, gradients and both moments share one layout (`OptimizerLayout`); frozen elements are
/// not touched at all (their moments stay as they were). A step allocates nothing and runs in
/// vector lanes (`dnt_adamw`, with a correctly rounded square root); it costs O(trainable
/// elements) and streams 28 bytes per element, at about the machine's memory bandwidth.
public struct AdamW: Sendable {
    public var hyperparameters: AdamWHyperparameters
    public let layout: OptimizerLayout
    /// The number of optimizer steps taken so far (PyTorch's `state["step"]`).
    public internal(set) var stepCount: Int

    /// An optimizer that has taken no step yet.
    ///
    /// - Throws: `OptimizerError` when a hyperparameter is out of range.
    public init(layout: OptimizerLayout, hyperparameters: AdamWHyperparameters = AdamWHyperparameters(),
                stepCount: Int = 0) throws {
        try hyperparameters.validate()
        guard stepCount >= 0 else { throw OptimizerError("step count \(stepCount) is negative") }
        self.layout = layout; self.hyperparameters = hyperparameters; self.stepCount = stepCount
    }

    /// Sets the step counter, e.g. when resuming from a checkpoint whose moments were restored.
    public mutating func resume(atStep step: Int) throws {
        guard step >= 0 else { throw OptimizerError("step count \(step) is negative") }
        stepCount = step
    }

    /// Takes one step with learning rate `learningRate`, updating `parameters`, `firstMoment` (m)
    /// and `secondMoment` (v) in place. All four buffers hold `layout.count` floats and must not
    /// overlap. Each gradient is multiplied by `gradientScale` as it is read (gradient clipping's
    /// factor: the same bits as scaling the gradients in place first, without the pass over them).
    ///
    /// `workers` threads share each segment in chunks; every element gets the same bits whatever
    /// the split: the step is a few passes over memory (28 bytes per element), which one core does
    /// not saturate.
    public mutating func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                              firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                              learningRate: Double, gradientScale: Float = 1, workers: Int = 1) {
        stepCount += 1
        let h = hyperparameters, t = Double(stepCount)
        let stepSize = learningRate / (1 - pow(h.beta1, t))
        let bias2Sqrt = (1 - pow(h.beta2, t)).squareRoot()
        let c = dnt_adamw_constants(
            decay: Float(1 - learningRate * h.weightDecay), one_minus_beta1: Float(1 - h.beta1),
            beta2: Float(h.beta2), one_minus_beta2: Float(1 - h.beta2), bias2_sqrt: Float(bias2Sqrt),
            epsilon: Float(h.epsilon), negative_step_size: Float(-stepSize), gradient_scale: gradientScale)
        layout.forEachChunk(workers: workers) { segment, start, end in
            Self.update(parameters + start, gradients + start, firstMoment + start, secondMoment + start,
                        count: end - start, decay: segment.decay && h.weightDecay != 0, c)
        }
    }

    /// `step` over buffer pointers; each buffer must hold `layout.count` floats.
    public mutating func step(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
                              firstMoment: UnsafeMutableBufferPointer<Float>,
                              secondMoment: UnsafeMutableBufferPointer<Float>, learningRate: Double,
                              workers: Int = 1) {
        precondition(parameters.count == layout.count && gradients.count == layout.count
                     && firstMoment.count == layout.count && secondMoment.count == layout.count,
                     "AdamW buffers must hold layout.count (\(layout.count)) floats")
        guard layout.count > 0 else { stepCount += 1; return }
        step(parameters: parameters.baseAddress!, gradients: gradients.baseAddress!,
             firstMoment: firstMoment.baseAddress!, secondMoment: secondMoment.baseAddress!,
             learningRate: learningRate, workers: workers)
    }

    /// The update of one contiguous segment: `dnt_adamw` (Sources/CKernels), vectorised for the
    /// CPU it runs on, the same bits for every element wherever the segment is split.
    @inline(__always)
    static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, count: Int, decay: Bool, _ c: dnt_adamw_constants) {
        withUnsafePointer(to: c) { dnt_adamw(p, g, m, v, count, decay ? 1 : 0, $0) }
    }
}
