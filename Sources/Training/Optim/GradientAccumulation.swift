/// Gradient accumulation as Hugging Face's Trainer does it: gradients of several micro-batches
/// are summed into the gradient buffer, then averaged (divided by the number of micro-batches
/// actually accumulated) before clipping and the optimizer step.
public struct GradientAccumulation: Sendable, Equatable {
    /// Micro-batches per optimizer step (`gradient_accumulation_steps`).
    public let steps: Int

    /// - Throws: `OptimizerError` when `steps` is below 1.
    public init(steps: Int) throws {
        guard steps >= 1 else { throw OptimizerError("gradient accumulation steps \(steps) must be at least 1") }
        self.steps = steps
    }

    /// The number of optimizer steps in an epoch of `microBatches` micro-batches: a last, shorter
    /// window still makes a step, as in Hugging Face's Trainer.
    public func optimizerSteps(perEpochOf microBatches: Int) -> Int {
        microBatches <= 0 ? 0 : (microBatches + steps - 1) / steps
    }

    /// Whether the optimizer steps after micro-batch `index` (0-based within an epoch of
    /// `microBatches`): at the end of each full window and after the epoch's last micro-batch.
    public func stepsAfter(microBatch index: Int, of microBatches: Int) -> Bool {
        (index + 1) % steps == 0 || index + 1 == microBatches
    }

    /// The number of micro-batches in the window that contains micro-batch `index`.
    public func windowSize(containing index: Int, of microBatches: Int) -> Int {
        let start = (index / steps) * steps
        return max(0, min(steps, microBatches - start))
    }

    /// Divides the summed trainable gradients by `microBatches`, turning a sum over micro-batches
    /// into their mean. Frozen ranges are left alone. Allocation-free; `microBatches` of 1 is a no-op.
    public static func average(_ gradients: UnsafeMutablePointer<Float>, layout: OptimizerLayout, microBatches: Int) {
        guard microBatches > 1 else { return }
        let factor = 1 / Float(microBatches)
        for segment in layout.segments {
            GradientClipping.scale(gradients + segment.range.lowerBound, count: segment.range.count, by: factor)
        }
    }
}
