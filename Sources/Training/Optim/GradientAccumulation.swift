/// Gradient accumulation as Hugging Face's Trainer does it: gradients of several micro-batches
/// are summed into the gradient buffer, then averaged (divided by the number of micro-batches
/// actually accumulated) before clipping and the optimizer step.
public enum GradientAccumulation {
    /// Divides the summed trainable gradients by `microBatches`, turning a sum over micro-batches
    /// into their mean. Frozen ranges are left alone. Allocation-free; `microBatches` of 1 is a no-op.
    public static func average(_ gradients: UnsafeMutablePointer<Float>, layout: OptimizerLayout, microBatches: Int) {
        guard microBatches > 1 else { return }
        let factor = 1 / Float(microBatches)
        for segment in layout.segments {
            GradientClipping.scale(gradients + segment.range.lowerBound, count: segment.range.count, by: factor)
        }
    }

    /// The size of the accumulation window starting at micro-batch `index` of an epoch of
    /// `count` micro-batches, with `steps` micro-batches per window: the last window of an
    /// epoch may be shorter and still makes a step, as in Hugging Face's Trainer.
    static func windowSizeClamped(_ steps: Int, index: Int, of count: Int) -> Int {
        max(1, min(steps, count - index))
    }
}
